import { randomUUID } from 'node:crypto';
import { ResultAsync, err, ok, type Result } from '@keel/core';
import { EventsError } from './events-errors.js';
import type { EventHandler } from './event-types.js';
import type { GroupStatements } from './group-statements.js';
import { startPartitionWorker, type PartitionWorker } from './partition-worker.js';
import type { TypePatterns } from './patterns.js';
import type { StoreParts } from './store-parts.js';
import type { ResolvedSubscribeOptions } from './subscription-options.js';
import type { WorkerSetup } from './worker-setup.js';

/**
 * A running subscription: this process's consumer in its group.
 *
 * @example
 * const sub = events.subscribe('Order*', handle, { group: 'billing' });
 * (await sub.ready())._unsafeUnwrap(); // the group exists and this consumer holds its share
 * await sub.stop(); // hands its partitions back at once
 */
export interface Subscription {
  readonly group: string;
  readonly consumerId: string;
  /** Resolves once the group exists and this consumer has taken its share of partitions; `GROUP_MISMATCH` when the group has another partition count. */
  ready(): ResultAsync<void, EventsError>;
  /** The partitions this consumer works on now. */
  partitions(): readonly number[];
  /** Finishes the deliveries in flight, hands the partitions back and leaves the group. Idempotent. */
  stop(): Promise<void>;
}

type Row = [number, number, string | null, number | null, number, number | null, number | null, string | null];

/**
 * Starts a consumer. Every `leaseMs / 3` it beats: records itself as alive, renews its
 * leases, counts the group's live consumers and holds ceil(partitions / live) of them —
 * releasing the surplus (after their delivery in flight) and claiming free or expired ones. A
 * consumer that dies stops beating; its leases expire and the others claim its partitions,
 * starting from their checkpoints.
 */
export function startSubscription(
  parts: StoreParts,
  g: GroupStatements,
  patterns: TypePatterns,
  handler: EventHandler,
  options: ResolvedSubscribeOptions,
  onStopped: () => void,
): Subscription {
  const { sql, clock } = parts;
  const o = options;
  const consumerId = o.consumerId ?? randomUUID();
  const onError = o.onError ?? parts.onError;
  const log = parts.logger;
  // Handler failures are logged where they happen (with their retry or dead letter); the rest here.
  const report = (error: Error) => {
    if ((error as EventsError).code !== 'HANDLER_FAILED') {
      log.error({ group: o.group, consumer: consumerId, err: error }, 'events: subscriber pass failed');
    }
    onError(error);
  };
  const setup: WorkerSetup = { parts, g, options: o, consumerId, patterns, handler, report, log };
  const workers = new Map<number, PartitionWorker>();
  const beatMs = Math.max(10, Math.floor(o.leaseMs / 3));
  let stopping = false;
  let interrupt: (() => void) | undefined;
  let firstBeat: ((r: Result<void, EventsError>) => void) | undefined;
  const readyOnce = new Promise<Result<void, EventsError>>((resolve) => (firstBeat = resolve));
  const fail = (message: string, cause?: Error) =>
    new EventsError({
      code: 'SQL',
      message: `${message} failed: ${cause?.message}`,
      adapter: parts.adapter,
      op: 'subscribe',
      cause,
    });

  const stopListening = parts.hub.listen((buckets, requeued) => {
    for (const w of workers.values()) {
      if (requeued) w.checkRequeued();
      if (!buckets || buckets.some((b) => b % o.partitions === w.part)) w.wake();
    }
  });

  /** Creates the group's partitions when new; refuses a group made with another count (creating nothing). */
  const ensureGroup = async (): Promise<Result<void, EventsError>> => {
    const counts = async (): Promise<Result<number | undefined, EventsError>> => {
      const read = await sql.query(g.partitionCounts, [o.group]);
      if (read.isErr()) return err(fail(`reading group '${o.group}'`, read.error));
      const found = read.value.rows.map(([n]) => Number(n));
      return ok(found.find((n) => n !== o.partitions) ?? (found.length === 0 ? undefined : o.partitions));
    };
    let existing = await counts();
    if (existing.isOk() && existing.value === undefined) {
      let start = 0;
      if (o.startFrom === 'end') {
        const max = await sql.query(parts.statements.maxPosition);
        if (max.isErr()) return err(fail('reading the newest position', max.error));
        start = Number(max.value.rows[0]?.[0] ?? 0);
      }
      const now = clock.now();
      const params = Array.from({ length: o.partitions }, (_, part) => [
        o.group,
        part,
        o.partitions,
        start,
        now,
      ]).flat();
      const created = await sql.execute(g.createPartitions(o.partitions), params);
      if (created.isErr()) return err(fail(`creating group '${o.group}'`, created.error));
      existing = await counts();
    }
    if (existing.isErr()) return err(existing.error);
    if (existing.value === o.partitions) return ok(undefined);
    return err(
      new EventsError({
        code: 'GROUP_MISMATCH',
        message: `group '${o.group}' has ${existing.value} partitions, not ${o.partitions}; subscribe with partitions: ${existing.value}, or use a new group name`,
        adapter: parts.adapter,
        op: 'subscribe',
      }),
    );
  };

  const startWorker = (row: Row) => {
    const [part, position, , , attempts, failingPosition, retryAt] = row;
    const state = {
      position: Number(position),
      attempts: Number(attempts),
      failingPosition: failingPosition === null ? undefined : Number(failingPosition),
      retryAt: retryAt === null ? undefined : Number(retryAt),
    };
    const worker = startPartitionWorker(setup, part, state);
    workers.set(part, worker);
    // A worker that lost its lease ends by itself; the next beat sees the partition is not ours.
    void worker.done.then(() => workers.get(part) === worker && workers.delete(part));
  };

  const beat = async (): Promise<Result<void, EventsError>> => {
    const now = clock.now();
    const until = now + o.leaseMs;
    const alive = await sql.execute(g.heartbeat, [o.group, consumerId, until]);
    if (alive.isErr()) return err(fail('recording the heartbeat', alive.error));
    await sql.execute(g.forgetConsumers, [o.group, now]);
    const live = await sql.query(g.liveConsumers, [o.group, now]);
    if (live.isErr()) return err(fail('counting consumers', live.error));
    const renewed = await sql.execute(g.renew, [until, o.group, consumerId]);
    if (renewed.isErr()) return err(fail('renewing leases', renewed.error));
    const read = await sql.query(g.partitions, [o.group]);
    if (read.isErr()) return err(fail('reading partitions', read.error));
    const rows = read.value.rows.map((r) => r.map((v) => (typeof v === 'bigint' ? Number(v) : v)) as Row);

    const mine = rows.filter((r) => r[2] === consumerId);
    for (const [part, w] of workers) if (!mine.some((r) => r[0] === part)) await w.stop();
    const target = Math.ceil(o.partitions / Math.max(1, Number(live.value.rows[0]?.[0] ?? 1)));
    if (mine.length > target) {
      for (const row of mine.splice(target)) {
        await workers.get(row[0])?.stop();
        workers.delete(row[0]);
        await sql.execute(g.release, [o.group, row[0], consumerId]);
      }
    }
    const free = shuffle(rows.filter((r) => r[2] !== consumerId && (r[2] === null || (r[3] ?? 0) <= now)));
    for (const row of free) {
      if (mine.length >= target || stopping) break;
      const claimed = await sql.query(g.claim, [consumerId, until, now, o.group, row[0], consumerId, now]);
      if (claimed.isErr()) return err(fail(`claiming partition ${row[0]}`, claimed.error));
      const got = claimed.value.rows[0];
      if (got)
        mine.push([
          row[0],
          Number(got[0]),
          consumerId,
          until,
          Number(got[1]),
          nullable(got[2]),
          nullable(got[3]),
          null,
        ]);
    }
    for (const row of mine) {
      const running = workers.get(row[0]);
      if (running) running.checkRequeued();
      else if (!stopping) startWorker(row);
    }
    return ok(undefined);
  };

  const loop = (async () => {
    const ensured = await ensureGroup();
    if (ensured.isErr()) {
      firstBeat?.(ensured);
      report(ensured.error);
      return;
    }
    while (!stopping) {
      const beaten = await beat();
      firstBeat?.(beaten);
      firstBeat = undefined;
      if (beaten.isErr()) report(beaten.error);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, beatMs);
        function done() {
          clearTimeout(timer);
          interrupt = undefined;
          resolve();
        }
        interrupt = done;
        if (stopping) done();
      });
    }
  })();

  let stopped: Promise<void> | undefined;
  return {
    group: o.group,
    consumerId,
    ready: () => new ResultAsync(readyOnce),
    partitions: () => [...workers.keys()].sort((a, b) => a - b),
    stop() {
      stopped ??= (async () => {
        stopping = true;
        interrupt?.();
        await loop;
        await Promise.all([...workers.values()].map((w) => w.stop()));
        workers.clear();
        stopListening();
        // Handing back at once beats waiting out the leases: the others take over on their next beat.
        await sql.execute(g.releaseAll, [o.group, consumerId]);
        await sql.execute(g.forgetConsumer, [o.group, consumerId]);
        firstBeat?.(ok(undefined));
        onStopped();
      })();
      return stopped;
    },
  };
}

function nullable(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

function shuffle<T>(list: T[]): T[] {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [list[i], list[j]] = [list[j] as T, list[i] as T];
  }
  return list;
}
