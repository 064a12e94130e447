import { createInbox, type Msg, type NatsConnection } from '@nats-io/transport-node';

export interface FetchRequest {
  readonly stream: string;
  readonly durable: string;
  readonly batch: number;
  /** 0: what is ready now; otherwise how long the server may hold the request, in ms. */
  readonly waitMs: number;
  readonly signal: AbortSignal;
  /** Extra time for the server's final status, past `waitMs`. */
  readonly graceMs: number;
}

/** How a fetch ended: with the server's status (`404`/`408`: nothing more), or without one. */
export interface Fetched {
  readonly messages: Msg[];
  /** False when neither a status nor a full batch came within `waitMs + graceMs`: the consumer may be gone. */
  readonly answered: boolean;
}

/**
 * One JetStream pull request (`$JS.API.CONSUMER.MSG.NEXT`), read from a private inbox: the
 * messages, until the batch is full, the server's status message ends it, the signal aborts, or
 * the wait runs out. Raw rather than the client's `fetch`, which has a one-second floor on its
 * wait and no "only what is ready" mode.
 */
export async function fetchBatch(nc: NatsConnection, request: FetchRequest): Promise<Fetched> {
  const { stream, durable, batch, waitMs, signal, graceMs } = request;
  const inbox = createInbox();
  const sub = nc.subscribe(inbox);
  const messages: Msg[] = [];
  let answered = false;
  const stop = () => sub.unsubscribe();
  const timer = setTimeout(stop, waitMs + graceMs);
  signal.addEventListener('abort', stop, { once: true });
  try {
    const body = waitMs === 0 ? { batch, no_wait: true } : { batch, expires: waitMs * 1_000_000 };
    nc.publish(`$JS.API.CONSUMER.MSG.NEXT.${stream}.${durable}`, JSON.stringify(body), { reply: inbox });
    for await (const msg of sub) {
      // A message without an ack subject is a status (no messages, request timeout, …): the end.
      if (!msg.reply?.startsWith('$JS.ACK.')) {
        answered = true;
        break;
      }
      messages.push(msg);
      if (messages.length >= batch) {
        answered = true;
        break;
      }
    }
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', stop);
    if (!sub.isClosed()) sub.unsubscribe();
  }
  return { messages, answered: answered || signal.aborted };
}
