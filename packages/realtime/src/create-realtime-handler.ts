import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseOptions } from '@keel/core/adapter';
import { maxEventIdLength, parseCursor } from './event-cursor.js';
import { type RealtimeOptions, realtimeOptions } from './realtime-options.js';
import { assertPattern, isSubject, matchesPattern } from './subject-patterns.js';
import { type StreamEnd, streamSubjects } from './sse-stream.js';
import { type SweepReport, sweepLeases } from './stream-leases.js';

/** A mounted SSE endpoint. */
export interface RealtimeHandler {
  /** Answers one request: a stream, or a refusal (400, 401, 403, 404, 405, 429, 503) with nothing streamed. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Open streams in this process. */
  readonly connections: number;
  /**
   * Deletes the consumers of streams whose process died (their record in `kv` not renewed for
   * `leaseMs`). Runs every `leaseMs` by itself while the handler is open; needs `kv`.
   */
  sweep(): Promise<SweepReport>;
  /** Ends every stream (their consumers are deleted) and refuses new ones with 503. */
  close(): Promise<void>;
}

/**
 * A `node:http` handler that streams messaging subjects to browsers as Server-Sent Events. The
 * browser names the subjects (`?subject=workspace.7.tasks`); `authorize` says which the request
 * may read; each message published on them (by the app, with `keel.messaging.publish`) becomes
 * an event named after its subject. A dropped connection resumes from `Last-Event-ID` where the
 * adapter can replay.
 *
 * @example
 * const realtime = createRealtimeHandler({
 *   messaging: keel.messaging,
 *   authorize: async (req) => {
 *     const user = await userOf(req);
 *     return user ? { user: user.id, subjects: user.workspaceIds.map((id) => `workspace.${id}.>`) } : { refuse: 401 };
 *   },
 * });
 * createServer((req, res) => (req.url?.startsWith('/events') ? realtime.handle(req, res) : app(req, res)));
 */
export function createRealtimeHandler(options: RealtimeOptions): RealtimeHandler {
  const o = parseOptions(realtimeOptions, options, 'createRealtimeHandler');
  const perUser = new Map<string, number>();
  const running = new Set<Promise<void>>();
  const shutdown = new AbortController();
  let open = 0;
  const sent = o.observability?.counter('keel.realtime.messages', 'Messages sent to SSE clients.', []);
  const dropped = o.observability?.counter('keel.realtime.dropped', 'SSE streams ended by the server.', ['reason']);
  const stopGauge = o.observability?.gauge('keel.realtime.connections', 'Open SSE streams.', [], () => [[[], open]]);
  const swept = o.observability?.counter(
    'keel.realtime.swept',
    'Streams of dead processes whose consumers a sweep deleted.',
    [],
  );
  const sweep = async (): Promise<SweepReport> => {
    if (!o.kv) throw new TypeError('realtime.sweep: the handler has no kv to find the streams of dead processes in');
    const report = await sweepLeases(o.kv, o.messaging, o.kvPrefix, o.leaseMs, Date.now());
    if (report.swept > 0) swept?.add([], report.swept);
    return report;
  };
  // Every process sweeps; a record is swept once (the others find it gone or its consumers deleted).
  const sweeping = o.kv ? setInterval(() => void sweep().catch(() => undefined), o.leaseMs) : undefined;
  sweeping?.unref();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET') return refuse(res, 405, 'GET only');
    if (shutdown.signal.aborted) return refuse(res, 503, 'shutting down');
    const url = new URL(req.url ?? '/', 'http://localhost');
    const subjects = url.searchParams.getAll(o.subjectParam);
    if (subjects.length === 0 || subjects.length > o.maxSubjects)
      return refuse(res, 400, `name 1 to ${o.maxSubjects} subjects with ?${o.subjectParam}=`);
    if (new Set(subjects).size !== subjects.length) return refuse(res, 400, 'a subject is named twice');
    // Concrete subjects only: a wildcard, an empty token or `..` is refused before the app is asked.
    if (!subjects.every(isSubject)) return refuse(res, 400, 'not a subject (no wildcards)');
    const lastEventId = header(req, 'last-event-id') ?? url.searchParams.get('lastEventId') ?? undefined;
    const resume = lastEventId === undefined ? undefined : parseCursor(lastEventId, subjects.length);
    if (lastEventId !== undefined && !resume)
      return refuse(res, 400, `Last-Event-ID is not one this stream wrote (at most ${maxEventIdLength} characters)`);

    const grant = await o.authorize(req, subjects);
    if ('refuse' in grant) return refuse(res, grant.refuse, grant.message ?? 'refused');
    for (const pattern of grant.subjects) assertPattern(pattern);
    if (!subjects.every((s) => grant.subjects.some((p) => matchesPattern(s, p))))
      return refuse(res, 403, 'a subject outside your grant');
    const count = perUser.get(grant.user) ?? 0;
    if (count >= o.maxConnectionsPerUser) return refuse(res, 429, 'too many open streams');
    if (res.destroyed) return;

    perUser.set(grant.user, count + 1);
    open += 1;
    const streaming = streamSubjects(res, subjects, resume, o, shutdown.signal, {
      onMessage: () => sent?.add([]),
      onEnd: (reason: StreamEnd) => {
        if (reason !== 'closed') dropped?.add([reason]);
      },
    }).finally(() => {
      open -= 1;
      const left = (perUser.get(grant.user) ?? 1) - 1;
      if (left === 0) perUser.delete(grant.user);
      else perUser.set(grant.user, left);
      running.delete(streaming);
    });
    running.add(streaming);
    return streaming;
  }

  return {
    handle,
    get connections() {
      return open;
    },
    sweep,
    async close() {
      clearInterval(sweeping);
      shutdown.abort();
      await Promise.all(running);
      stopGauge?.();
    },
  };
}

function refuse(res: ServerResponse, status: number, message: string): void {
  res
    .writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' })
    .end(`${message}\n`);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
