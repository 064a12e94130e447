import { createHash } from 'node:crypto';
import { MessagingError, type MessagingHeader, type StartPosition } from '@keel/core';
import { DeliverPolicy, type ConsumerConfig } from '@nats-io/jetstream';
import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';

/**
 * A Keel consumer is a durable on the adapter's stream, filtered to its subject. JetStream names
 * consumers per stream, not per subject, so the durable name carries a hash of the subject:
 * `billing` on `orders` is `billing_<16 hex>`. Durable names have no dots, so this is unambiguous.
 */
export function durableName(subject: string, consumer: string): string {
  let hash = subjectHashes.get(subject);
  if (hash === undefined) {
    hash = createHash('sha256').update(subject).digest('hex').slice(0, 16);
    // Bounded: subjects come from callers (and components); a flood of new ones only costs hashing again.
    if (subjectHashes.size >= 4096) subjectHashes.clear();
    subjectHashes.set(subject, hash);
  }
  return `${consumer}_${hash}`;
}

/** A subject's hash, remembered: every pull, ack and nak names its durable, and a SHA-256 costs microseconds. */
const subjectHashes = new Map<string, string>();

/** Where a new consumer starts, as JetStream's deliver policy. */
export function deliverPolicy(start: StartPosition, subject: string): Partial<ConsumerConfig> {
  switch (start.kind) {
    case 'all':
      return { deliver_policy: DeliverPolicy.All };
    case 'new':
      return { deliver_policy: DeliverPolicy.New };
    case 'at-time':
      return { deliver_policy: DeliverPolicy.StartTime, opt_start_time: new Date(start.ms).toISOString() };
    case 'at-position': {
      if (!/^[1-9]\d{0,19}$/.test(start.position))
        throw new MessagingError({
          code: 'INVALID_ARGUMENT',
          message: `start position '${start.position}' is not a JetStream stream sequence (a positive integer)`,
          subject,
        });
      return { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: Number(start.position) };
    }
  }
}

/** What a token (the delivery's `$JS.ACK…` reply subject) says about the delivery. */
export interface ParsedToken {
  readonly stream: string;
  readonly durable: string;
  readonly deliveries: number;
  readonly sequence: number;
  readonly timestampNanos: bigint;
}

/**
 * A token is JetStream's own ack subject, so that any client can settle a delivery: v1
 * `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<ts>.<pending>`, or v2 with a domain
 * and an account hash after `$JS.ACK` and a random token at the end.
 */
export function parseToken(token: string): ParsedToken | undefined {
  const parts = token.split('.');
  if (parts[0] !== '$JS' || parts[1] !== 'ACK') return undefined;
  const at = parts.length === 9 ? 2 : parts.length >= 11 ? 4 : -1;
  if (at < 0) return undefined;
  const [stream, durable, delivered, sseq, , ts] = parts.slice(at, at + 6);
  if (!stream || !durable || !/^\d+$/.test(`${delivered}${sseq}${ts}`) || !delivered || !sseq || !ts) return undefined;
  return {
    stream,
    durable,
    deliveries: Number(delivered),
    sequence: Number(sseq),
    timestampNanos: BigInt(ts),
  };
}

/**
 * The `Nats-Msg-Id` of a message id: `<subject> "<id>"`. The subject because JetStream
 * de-duplicates per stream and Keel per subject; the id as a JSON string because NATS trims the
 * ends of header values, and `"a "` must not be `"a"`.
 */
export const natsMessageId = (subject: string, messageId: string) => `${subject} ${JSON.stringify(messageId)}`;

/** The message id back from `Nats-Msg-Id` (the subject has no spaces); one not in that form, as it is. */
export function keelMessageId(natsId: string | undefined): string | undefined {
  if (!natsId) return undefined;
  const quoted = natsId.slice(natsId.indexOf(' ') + 1);
  try {
    const id = JSON.parse(quoted) as unknown;
    return typeof id === 'string' ? id : natsId;
  } catch {
    return natsId;
  }
}

const PACKED = 'Keel-Headers';

/**
 * Headers on the wire. Native NATS headers when they survive the trip; NATS trims the ends of
 * values and groups repeated names, so a list that would not come back as it went is sent as
 * JSON in one `Keel-Headers` header instead.
 */
export function encodeHeaders(list: readonly MessagingHeader[], natsId: string | undefined): MsgHdrs | undefined {
  if (list.length === 0 && natsId === undefined) return undefined;
  const h = natsHeaders();
  const names = new Set(list.map((x) => x.name.toLowerCase()));
  if (names.size < list.length || list.some((x) => x.value !== x.value.trim()))
    h.set(PACKED, JSON.stringify(list.map((x) => [x.name, x.value])));
  else for (const { name, value } of list) h.append(name, value);
  if (natsId !== undefined) h.set('Nats-Msg-Id', natsId);
  return h;
}

/** The caller's headers of a delivered message: its own, without JetStream's and Keel's. */
export function decodeHeaders(h: MsgHdrs | undefined): MessagingHeader[] {
  if (!h) return [];
  const packed = h.get(PACKED);
  if (packed) return (JSON.parse(packed) as [string, string][]).map(([name, value]) => ({ name, value }));
  const list: MessagingHeader[] = [];
  for (const name of h.keys()) {
    if (/^nats-/i.test(name)) continue;
    for (const value of h.values(name)) list.push({ name, value });
  }
  return list;
}
