import { err, ok, type Result, type SqlValue } from '@keel/core';
import { EventsError } from './events-errors.js';
import { rawEvent, storedEvent, type RawEvent } from './event-rows.js';
import type { StoredEvent } from './event-types.js';
import { backoffMs, describeFailure, invoke } from './delivery.js';
import { deliverySpan, endDelivery } from './event-tracing.js';
import { redeliverRequeued } from './requeued.js';
import type { PartitionState, WorkerSetup } from './worker-setup.js';

export interface PartitionWorker {
  readonly part: number;
  /** New events may be there: stop waiting (a retry's backoff still runs out). */
  wake(): void;
  /** Look for requeued dead letters on the next pass. */
  checkRequeued(): void;
  /** Ends the loop after the delivery in flight; resolves when it has ended. */
  stop(): Promise<void>;
  /** Resolves when the loop ends: stopped, or its lease was lost. */
  readonly done: Promise<void>;
}

/** A fenced write found another owner: this worker must stop. */
const LOST = Symbol('lease lost');
/** How soon to look again while events wait beyond the horizon. */
const soonMs = 5;
type Step = 'ok' | 'idle' | 'soon' | typeof LOST;

/**
 * One partition of one group, owned under a lease: reads its events after the checkpoint in
 * store order, hands the matching ones to the handler one at a time (so an aggregate's events
 * are handled in order), and moves the checkpoint after each batch (in a `transactional`
 * subscription, after each event, in the handler's transaction). A failing event is tried again
 * after a backoff, the partition waiting behind it, and after `maxAttempts` goes to the dead
 * letters in one transaction with the checkpoint moving past it.
 */
export function startPartitionWorker(setup: WorkerSetup, part: number, state: PartitionState): PartitionWorker {
  const { parts, g, options: o, consumerId, patterns, handler, report, log } = setup;
  const { sql, clock, registry, observability } = parts;
  let stopping = false;
  let dirty = true;
  let requeueDue = true;
  let interrupt: (() => void) | undefined;
  /** The horizon at which this partition last read to the end (PostgreSQL). */
  let caughtUpAt: number | undefined;
  let wokenAt = Number.NEGATIVE_INFINITY;

  const idle = (ms: number, wakeable: boolean) =>
    new Promise<void>((resolve) => {
      if (stopping || (wakeable && dirty)) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        interrupt = undefined;
        resolve();
      }
      interrupt = () => (wakeable || stopping ? done() : undefined);
    });
  const fence = (): SqlValue[] => [o.group, part, consumerId, state.position];
  const leaseUntil = () => clock.now() + o.leaseMs;

  const checkpoint = async (position: number): Promise<Step> => {
    const now = clock.now();
    const moved = await sql.execute(g.checkpoint, [position, leaseUntil(), now, ...fence()]);
    if (moved.isErr()) return failed(moved.error, 'moving the checkpoint');
    if (moved.value.rowsAffected !== 1) return LOST;
    Object.assign(state, { position, attempts: 0, failingPosition: undefined, retryAt: undefined });
    return 'ok';
  };
  const failed = (cause: Error, what: string): Step => {
    report(
      new EventsError({
        code: 'SQL',
        message: `${what} failed: ${cause.message}`,
        adapter: parts.adapter,
        op: 'subscribe',
        cause,
      }),
    );
    return 'idle';
  };

  /** The handler, in a transaction that also moves the checkpoint to the event when asked. */
  const deliver = async (event: StoredEvent, attempt: number): Promise<{ error: unknown } | 'ok' | typeof LOST> => {
    if (!o.transactional) {
      const done = await invoke(handler, event, { group: o.group, attempt });
      return done.isOk() ? 'ok' : { error: done.error };
    }
    let handlerError: { error: unknown } | undefined;
    const done = await sql.transaction(async (tx): Promise<Result<void, unknown>> => {
      const handled = await invoke(handler, event, { group: o.group, attempt, tx });
      if (handled.isErr()) {
        handlerError = { error: handled.error };
        return err(handlerError);
      }
      const moved = await tx.execute(g.checkpoint, [event.position, leaseUntil(), clock.now(), ...fence()]);
      if (moved.isErr()) return err(moved.error);
      return moved.value.rowsAffected === 1 ? ok(undefined) : err(LOST);
    });
    if (done.isOk()) {
      Object.assign(state, { position: event.position, attempts: 0, failingPosition: undefined, retryAt: undefined });
      return 'ok';
    }
    if (done.error === LOST) return LOST;
    return handlerError ?? { error: done.error };
  };

  /** A failed try: the dead letters after the last one, else a backoff recorded with the checkpoint. */
  const onFailure = async (
    raw: RawEvent,
    progress: number,
    attempt: number,
    error: unknown,
  ): Promise<Step | 'buried'> => {
    const why = describeFailure(error);
    const last = attempt >= o.maxAttempts;
    const fields = { group: o.group, position: raw.position, type: raw.type, stream: raw.aggregateId, attempt };
    log.warn(
      { ...fields, maxAttempts: o.maxAttempts, err: error },
      `events: handler failed, ${last ? 'dead-lettering' : 'will retry'}`,
    );
    report(
      new EventsError({
        code: 'HANDLER_FAILED',
        message: `group '${o.group}' failed on event ${raw.position} (${raw.type} of '${raw.aggregateId}'), try ${attempt} of ${o.maxAttempts}: ${why}`,
        adapter: parts.adapter,
        op: 'subscribe',
        cause: error,
      }),
    );
    const now = clock.now();
    if (last) {
      const buried = await sql.transaction(async (tx): Promise<Result<void, unknown>> => {
        const put = await tx.execute(g.bury, [o.group, raw.position, attempt, why, now]);
        if (put.isErr()) return err(put.error);
        const moved = await tx.execute(g.checkpoint, [raw.position, leaseUntil(), now, ...fence()]);
        if (moved.isErr()) return err(moved.error);
        return moved.value.rowsAffected === 1 ? ok(undefined) : err(LOST);
      });
      if (buried.isErr())
        return buried.error === LOST ? LOST : failed(buried.error as Error, 'dead-lettering an event');
      Object.assign(state, { position: raw.position, attempts: 0, failingPosition: undefined, retryAt: undefined });
      log.error({ ...fields, error: why }, 'events: event dead-lettered');
      return 'buried';
    }
    const retryAt = now + backoffMs(attempt, o.retry);
    // Remembered even when the write fails, so the partition still backs off.
    const recorded = await sql.execute(g.failed, [
      progress,
      attempt,
      raw.position,
      retryAt,
      why,
      leaseUntil(),
      now,
      ...fence(),
    ]);
    Object.assign(state, { attempts: attempt, failingPosition: raw.position, retryAt });
    if (recorded.isErr()) return failed(recorded.error, 'recording a failed try');
    if (recorded.value.rowsAffected !== 1) return LOST;
    state.position = progress;
    return 'ok';
  };

  const deliverBatch = async (rows: readonly RawEvent[]): Promise<Step> => {
    let progress = state.position;
    for (const raw of rows) {
      if (stopping) break;
      if (!patterns.matches(raw.type)) {
        progress = raw.position;
        continue;
      }
      const attempt = state.failingPosition === raw.position ? state.attempts + 1 : 1;
      const event = storedEvent(raw, registry);
      // Only while traces are recorded: otherwise no span, no closure.
      const watch = observability?.tracing ? deliverySpan(observability, raw, o.group, attempt) : undefined;
      const outcome = event.isErr()
        ? { error: event.error }
        : watch
          ? await watch.within(() => deliver(event.value, attempt))
          : await deliver(event.value, attempt);
      endDelivery(
        watch,
        outcome === 'ok' ? 'delivered' : outcome === LOST ? 'lease-lost' : attempt >= o.maxAttempts ? 'dead' : 'retry',
      );
      if (outcome === LOST) return LOST;
      if (outcome === 'ok') {
        progress = raw.position;
        continue;
      }
      const next = await onFailure(raw, progress, attempt, outcome.error);
      if (next !== 'buried') return next;
      progress = raw.position;
    }
    return progress > state.position ? checkpoint(progress) : 'ok';
  };

  const pass = async (): Promise<Step> => {
    if (requeueDue) {
      requeueDue = false;
      await redeliverRequeued(setup, part);
    }
    const wait = (state.retryAt ?? 0) - clock.now();
    if (wait > 0) {
      await idle(wait, false);
      return 'ok';
    }
    const woken = dirty;
    dirty = false;
    const safe = await parts.horizon.current(woken ? wokenAt : undefined);
    if (safe.isErr()) return failed(safe.error, 'reading the horizon');
    const rest = (): Step => (parts.horizon.behind() ? 'soon' : 'idle');
    // Read to the end at this horizon already, and everything up to it is final: nothing to read.
    if (!woken && safe.value === caughtUpAt) return rest();
    const read = await sql.query(parts.statements.partition, [
      state.position,
      safe.value,
      o.partitions,
      part,
      o.batchSize,
    ]);
    if (read.isErr()) return failed(read.error, `reading partition ${part}`);
    const { rows } = read.value;
    // Events beyond the horizon wait for publishing transactions still running: look again soon.
    const end = (): Step => {
      // An unbounded horizon (SQLite) is no sign that nothing new came: poll as usual.
      if (safe.value !== Number.MAX_SAFE_INTEGER) caughtUpAt = safe.value;
      return rest();
    };
    if (rows.length === 0) return end();
    const step = await deliverBatch(rows.map((row) => rawEvent(row, true)));
    // A short batch reached the end; a wake-up that came meanwhile makes the idle wait end at once.
    return step === 'ok' && rows.length < o.batchSize && state.retryAt === undefined ? end() : step;
  };

  const done = (async () => {
    // Doubles while events stay beyond the horizon (a long publishing transaction), up to the poll interval.
    let soon = soonMs;
    while (!stopping) {
      const step = await pass();
      if (step === LOST) break;
      if (step === 'soon') {
        await idle(Math.min(o.pollIntervalMs, soon), true);
        soon = Math.min(soon * 2, o.pollIntervalMs);
        continue;
      }
      soon = soonMs;
      if (step === 'idle') await idle(o.pollIntervalMs, true);
    }
  })();

  return {
    part,
    wake() {
      dirty = true;
      wokenAt = performance.now();
      interrupt?.();
    },
    checkRequeued() {
      requeueDue = true;
    },
    async stop() {
      stopping = true;
      interrupt?.();
      await done;
    },
    done,
  };
}
