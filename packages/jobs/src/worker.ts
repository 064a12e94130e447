import type { SqlValue } from '@keel/core';
import { claimedFromRow, type ClaimedJob } from './job-rows.js';
import { jobsError } from './jobs-errors.js';
import type { JobHandler, Worker } from './jobs-types.js';
import type { JobsRuntime } from './jobs-runtime.js';
import { recordAttempt } from './record-attempt.js';
import { runAttempt } from './run-attempt.js';
import { completions } from './complete-batch.js';
import { startHeartbeat } from './heartbeat.js';
import { pauses } from './pause.js';
import { attemptSpan, endAttempt, outcomeOf } from './job-tracing.js';

const lostLease = (id: string) =>
  jobsError('LEASE_LOST', 'work', `job ${id}: another worker took it over after this one's lease expired`);

/** A job this worker holds. */
export interface Held {
  readonly job: ClaimedJob;
  readonly controller: AbortController;
  readonly done: Promise<void>;
}

interface WorkerSettings {
  readonly owner: string;
  readonly name: string;
  readonly concurrency: number;
  readonly queue: string | undefined;
}

/**
 * A worker loop for one job name: claims due jobs (as many as it has free slots, in one
 * statement), runs each, records its outcome, and renews its leases while they run (see
 * `heartbeat.ts`). It waits `pollIntervalMs` when nothing is due, unless woken by a local enqueue.
 */
export function startWorker(
  rt: JobsRuntime,
  settings: WorkerSettings,
  handler: JobHandler,
  onStop: () => void,
): Worker {
  const { owner, name, concurrency, queue } = settings;
  const held = new Map<string, Held>();
  const pause = pauses();
  let stopping = false;
  let waitingForSlot = false;
  const s = rt.statements;
  const idleCheck = rt.sql.capabilities.dialect === 'sqlite';
  const unsubscribe = rt.wakeups.subscribe(name, () => pause.wake());
  const heartbeat = startHeartbeat(rt, owner, held);
  const complete = completions(rt, owner);

  const claim = async (count: number): Promise<ClaimedJob[]> => {
    const now = rt.clock.now();
    if (idleCheck) {
      const any = await rt.sql.query(s.anyDue, [name, now]);
      if (any.isErr()) throw any.error;
      if (any.value.rows.length === 0) return [];
    }
    const params: SqlValue[] = [owner, now + rt.options.leaseMs, now, name, now, ...(queue ? [queue] : []), count];
    const claimed = await rt.sql.query(queue ? s.claimInQueue : s.claim, params);
    if (claimed.isErr()) throw claimed.error;
    return claimed.value.rows.map(claimedFromRow);
  };

  const start = (job: ClaimedJob) => {
    const controller = new AbortController();
    // The same job again: this worker stalled past its lease, the job was revived and it claimed it anew.
    held.get(job.id)?.controller.abort(lostLease(job.id));
    const entry: { job: ClaimedJob; controller: AbortController; done?: Promise<void> } = { job, controller };
    held.set(job.id, entry as Held);
    rt.held.set(job.id, controller);
    entry.done = (async () => {
      // Only while traces are recorded: otherwise no span, no closure.
      const observability = rt.observability;
      const watch = observability?.tracing ? attemptSpan(observability, name, job) : undefined;
      const end = watch
        ? await watch.within(() => runAttempt(rt, name, handler, job, owner, controller))
        : await runAttempt(rt, name, handler, job, owner, controller);
      const outcome = outcomeOf(end, job);
      endAttempt(watch, end, outcome);
      if (held.get(job.id) === entry) held.delete(job.id);
      if (rt.held.get(job.id) === controller) rt.held.delete(job.id);
      if (end.kind === 'completed') await complete(job, end.result);
      else await recordAttempt(rt, name, job, owner, end, outcome);
      if (waitingForSlot) pause.wake();
    })();
  };

  const loop = (async () => {
    while (!stopping) {
      const free = concurrency - held.size;
      if (free <= 0) {
        waitingForSlot = true;
        await pause.for(rt.options.pollIntervalMs);
        waitingForSlot = false;
        continue;
      }
      let claimed: ClaimedJob[];
      try {
        claimed = await claim(free);
      } catch (error) {
        rt.onError(error as Error);
        await pause.for(rt.options.pollIntervalMs);
        continue;
      }
      for (const job of claimed) start(job);
      if (claimed.length < free && !stopping) await pause.for(rt.options.pollIntervalMs);
    }
  })();

  let stopped: Promise<void> | undefined;
  const stop = (graceMs = rt.options.shutdownGraceMs) =>
    (stopped ??= (async () => {
      stopping = true;
      unsubscribe();
      pause.wake();
      await loop;
      const running = [...held.values()];
      const grace = pauses();
      await Promise.race([Promise.all(running.map((h) => h.done)), grace.for(graceMs)]);
      grace.wake();
      const reason = jobsError('SHUTDOWN', 'stop', `worker ${owner} stopped; the job was handed back unfinished`);
      for (const h of held.values()) h.controller.abort(reason);
      await Promise.all(running.map((h) => h.done));
      heartbeat.stop();
      onStop();
    })());

  return {
    id: owner,
    name,
    get running() {
      return held.size;
    },
    stop,
  };
}
