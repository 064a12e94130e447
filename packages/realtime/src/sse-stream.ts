import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Messaging, ReceivedMessage, StartPosition } from '@keel/core';
import { encodeCursor, type SubjectCursor } from './event-cursor.js';
import type { ParsedRealtimeOptions } from './realtime-options.js';
import { sseEvent, sseHeartbeat } from './sse-format.js';
import { leaseKey, renewLease } from './stream-leases.js';

/** How one stream ended, for the metrics and the tests. */
export type StreamEnd = 'closed' | 'slow' | 'failed' | 'shutdown';

export interface StreamHooks {
  onMessage(subject: string): void;
  onEnd(reason: StreamEnd): void;
}

const decoder = new TextDecoder();

/**
 * Streams `subjects` to `res` until the client goes, the buffer overflows, or `stop` aborts:
 * one consumer per subject, created first (a failure answers 503 before anything is streamed),
 * deleted when the stream ends whatever the reason.
 */
export async function streamSubjects(
  res: ServerResponse,
  subjects: readonly string[],
  resume: readonly SubjectCursor[] | undefined,
  o: ParsedRealtimeOptions,
  stop: AbortSignal,
  hooks: StreamHooks,
): Promise<void> {
  const { messaging } = o;
  const startedAt = Date.now();
  const cursors: SubjectCursor[] = resume ? [...resume] : subjects.map(() => ({ kind: 'time', ms: startedAt }));
  const name = `${o.consumerPrefix}-${randomBytes(12).toString('hex')}`;
  const created: string[] = [];
  const ended = new AbortController();
  const signal = AbortSignal.any([ended.signal, stop]);
  let reason: StreamEnd = 'closed';
  const end = (why: StreamEnd) => {
    if (ended.signal.aborted) return;
    reason = stop.aborted && why === 'closed' ? 'shutdown' : why;
    ended.abort();
  };
  stop.addEventListener('abort', () => end('shutdown'), { once: true });
  res.on('close', () => end('closed'));
  const kv = o.kv;
  const lease = kv && leaseKey(o.kvPrefix, name);
  let renewing: NodeJS.Timeout | undefined;
  try {
    // Recorded before the consumers exist: a process killed from here on leaves a record to sweep.
    if (kv && lease) {
      if (!(await renewLease(kv, lease, subjects, Date.now()))) {
        if (!res.headersSent) res.writeHead(503, { 'content-type': 'text/plain' }).end('messaging unavailable\n');
        return end('failed');
      }
      renewing = setInterval(() => void renewLease(kv, lease, subjects, Date.now()), Math.floor(o.leaseMs / 3));
    }
    for (const [i, subject] of subjects.entries()) {
      const start = resume ? startOf(resume[i], messaging) : ({ kind: 'new' } as const);
      const ensured = await messaging.ensureConsumer({ subject, name, start });
      if (ensured.isErr()) {
        if (!res.headersSent) res.writeHead(503, { 'content-type': 'text/plain' }).end('messaging unavailable\n');
        return end('failed');
      }
      created.push(subject);
    }
    if (signal.aborted) return;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // nginx buffers responses unless told not to.
      'x-accel-buffering': 'no',
    });
    // The first event carries an id, so that a browser that saw no message resumes from here.
    write(`retry: ${o.retryMs}\n${sseEvent({ id: encodeCursor(cursors), event: 'keel:ready', data: '' })}`);
    const beat = setInterval(() => write(sseHeartbeat), o.heartbeatMs);
    try {
      await Promise.all(subjects.map((subject, i) => pump(subject, i)));
    } finally {
      clearInterval(beat);
    }
  } finally {
    end(reason);
    if (!res.writableEnded) res.end();
    clearInterval(renewing);
    // Never left behind: the consumer would hold the subject's messages for a reader that is gone.
    const deleted = await Promise.all(created.map((subject) => messaging.deleteConsumer(subject, name)));
    // A failed delete keeps the record, so that a sweep deletes the consumer later.
    if (kv && lease && deleted.every((r) => r.isOk())) await kv.delete(lease);
    hooks.onEnd(reason);
  }

  async function pump(subject: string, index: number): Promise<void> {
    const skip = cursors[index]?.kind === 'position' ? cursors[index].position : undefined;
    // A consumer deleted under the stream (swept as stale after a stall): end it; the browser reconnects.
    const onError = (error: unknown) => {
      if ((error as { code?: unknown }).code === 'NOT_FOUND') end('failed');
    };
    for await (const message of messaging.messages(subject, name, {
      signal,
      waitMs: 1000,
      maxMessages: 100,
      onError,
    })) {
      // `at-position` is inclusive: the message the browser saw last comes again first.
      if (message.position !== skip) deliver(subject, index, message);
      void messaging.ack(message.token);
      if (signal.aborted) break;
    }
  }

  function deliver(subject: string, index: number, message: ReceivedMessage): void {
    cursors[index] = { kind: 'position', position: message.position };
    const data = decoder.decode(message.data);
    write(sseEvent({ id: encodeCursor(cursors), event: subject, data }));
    hooks.onMessage(subject);
  }

  function write(chunk: string): void {
    if (ended.signal.aborted) return;
    res.write(chunk);
    // A client that does not read keeps its bytes in our memory: past the bound it is dropped,
    // and its EventSource comes back with Last-Event-ID.
    if (res.writableLength > o.maxBufferedBytes) {
      end('slow');
      res.destroy();
    }
  }
}

function startOf(cursor: SubjectCursor | undefined, messaging: Messaging): StartPosition {
  const replay = messaging.capabilities.replay;
  if (cursor?.kind === 'position' && replay) return { kind: 'at-position', position: cursor.position };
  if (cursor?.kind === 'time' && replay === 'time') return { kind: 'at-time', ms: cursor.ms };
  return { kind: 'new' };
}
