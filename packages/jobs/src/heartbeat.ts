import { jobsError } from './jobs-errors.js';
import type { JobsRuntime } from './jobs-runtime.js';
import type { Held } from './worker.js';

/**
 * Renews a worker's leases every third of `leaseMs` while it holds jobs, in one statement for
 * all of them. A held job the renewal no longer finds under this worker's claim was cancelled or
 * taken over (this worker stalled past its lease): its signal aborts with `CANCELLED` or
 * `LEASE_LOST`, and nothing it does afterwards is recorded.
 */
export function startHeartbeat(rt: JobsRuntime, owner: string, held: ReadonlyMap<string, Held>): { stop(): void } {
  let beating = false;
  const beat = async () => {
    if (beating || held.size === 0) return;
    beating = true;
    // Only jobs claimed before the renewal was sent can be judged by its answer.
    const judged = [...held.values()];
    const renewed = await rt.sql.query(rt.statements.heartbeat, [rt.clock.now() + rt.options.leaseMs, owner]);
    beating = false;
    if (renewed.isErr()) return rt.onError(renewed.error);
    const mine = new Set(renewed.value.rows.map(([id, attempts]) => `${id}:${Number(attempts)}`));
    for (const h of judged) {
      if (mine.has(`${h.job.id}:${h.job.attempt}`) || held.get(h.job.id) !== h) continue;
      const status = await rt.sql.query(rt.statements.stateOf, [h.job.id]);
      const cancelled = status.isOk() && status.value.rows[0]?.[0] === 'cancelled';
      h.controller.abort(
        cancelled
          ? jobsError('CANCELLED', 'work', `job ${h.job.id} was cancelled`)
          : jobsError(
              'LEASE_LOST',
              'work',
              `job ${h.job.id}: another worker took it over after this one's lease expired`,
            ),
      );
    }
  };
  const timer = setInterval(() => void beat(), Math.max(1, Math.floor(rt.options.leaseMs / 3)));
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
