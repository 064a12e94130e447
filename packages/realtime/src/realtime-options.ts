import type { IncomingMessage } from 'node:http';
import type { KeelObservability, Kv, Messaging } from '@keel/core';
import { fn, integer, option, required, withMethods } from '@keel/core/adapter';
import * as v from 'valibot';

/**
 * What the app answers for a request: who is asking and the subject patterns they may read
 * (`*` one token, a final `>` the rest), or a refusal with its HTTP status.
 */
export type RealtimeGrant =
  | { readonly user: string; readonly subjects: readonly string[] }
  | { readonly refuse: 401 | 403 | 404; readonly message?: string };

/** Decides, per request, who may listen to what. Runs before anything is streamed. */
export type RealtimeAuthorize = (
  req: IncomingMessage,
  requested: readonly string[],
) => RealtimeGrant | Promise<RealtimeGrant>;

/** The options of `createRealtimeHandler`, declared once: the type, the checks and the README table come from it. */
export const realtimeOptions = v.strictObject({
  messaging: required(
    withMethods<Messaging>('a messaging instance (keel.messaging)', [
      'ensureConsumer',
      'deleteConsumer',
      'messages',
      'ack',
    ]),
    'Where the messages come from: `keel.messaging`, any adapter.',
  ),
  authorize: required(
    fn<RealtimeAuthorize>(),
    '`(req, requestedSubjects) => { user, subjects: patterns } | { refuse: 401 | 403 | 404 }`: who may read what.',
  ),
  subjectParam: option(v.pipe(v.string(), v.minLength(1)), {
    default: 'subject',
    description: 'The query parameter naming a subject to read (repeat it for several: `?subject=a&subject=b`).',
  }),
  maxSubjects: option(integer(1, 64), {
    default: 8,
    description: 'Most subjects one connection may read (each is a consumer while it is open).',
  }),
  maxConnectionsPerUser: option(integer(1, 100_000), {
    default: 8,
    description: 'Open streams per `user` in this process; one more is refused with 429.',
  }),
  heartbeatMs: option(integer(10, 3_600_000), {
    default: 15_000,
    description: 'How often an idle stream gets a comment line, so that proxies keep it open, in ms.',
  }),
  maxBufferedBytes: option(integer(1024, 1024 * 1024 * 1024), {
    default: 1024 * 1024,
    description:
      'Bytes written but not yet taken by a client before it is dropped as too slow (its consumer is deleted; ' +
      'the browser reconnects with `Last-Event-ID` and resumes where the adapter can replay).',
  }),
  consumerPrefix: option(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,24}$/)), {
    default: 'sse',
    description: 'Put before the name of each connection’s consumers (`sse-<random>`), to find them in the broker.',
  }),
  retryMs: option(integer(0, 3_600_000), {
    default: 2000,
    description: 'The `retry:` the stream tells EventSource: how long it waits before reconnecting, in ms.',
  }),
  kv: option(withMethods<Kv>('a kv instance (keel.kv)', ['set', 'delete', 'scan']), {
    description:
      'Where each stream records its consumers and renews the record every third of `leaseMs`, so that ' +
      '`sweep()` (run by every handler every `leaseMs`) deletes the consumers of a process that died. ' +
      'Without it, a crashed process leaves its consumers on the broker.',
    defaultText: 'none',
  }),
  kvPrefix: option(v.pipe(v.string(), v.minLength(1), v.maxLength(200)), {
    default: 'keel-realtime:',
    description: 'Put before each stream’s record in `kv` (followed by its consumer’s name).',
  }),
  leaseMs: option(integer(100, 86_400_000), {
    default: 60_000,
    description:
      'How long a stream’s record may go unrenewed before a sweep deletes its consumers, in ms; well above ' +
      'the clock skew between machines.',
  }),
  observability: option(withMethods<KeelObservability>('keel.observability', ['counter', 'gauge']), {
    description:
      'Counts messages sent and clients dropped (`keel.realtime.messages`, `keel.realtime.dropped`) and reads open streams (`keel.realtime.connections`).',
    defaultText: 'none',
  }),
});

export type RealtimeOptions = v.InferInput<typeof realtimeOptions>;
export type ParsedRealtimeOptions = v.InferOutput<typeof realtimeOptions>;
