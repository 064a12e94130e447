import { okAsync, type ResultAsync } from '@keel/core';
import { fromSql, type JobsError } from './jobs-errors.js';
import type { JobFailure } from './jobs-types.js';
import type { JobsRuntime } from './jobs-runtime.js';
import { pauses } from './pause.js';

/** Finished jobs deleted per statement, so that a large purge never holds a lock for long. */
const purgeBatch = 1000;
const purgeEveryMs = 60_000;

/**
 * Gives the jobs of dead or stalled workers a next life: a lease that nobody renewed for
 * `leaseMs` ends the attempt (`LEASE_EXPIRED`) and the job is due again at once, or dead when
 * that was its last attempt. Runs every half lease in every started process (any one is enough;
 * they do not conflict), and purges finished jobs past their retention every minute.
 */
export function startLeaseKeeper(rt: JobsRuntime): { stop(): Promise<void> } {
  const pause = pauses();
  let stopping = false;
  let lastPurge = Number.NEGATIVE_INFINITY;
  const loop = (async () => {
    while (!stopping) {
      const reaped = await reapExpired(rt);
      if (reaped.isErr()) rt.onError(reaped.error);
      if (rt.clock.now() - lastPurge >= purgeEveryMs) {
        lastPurge = rt.clock.now();
        const purged = await purgeFinished(rt);
        if (purged.isErr()) rt.onError(purged.error);
      }
      if (!stopping) await pause.for(Math.max(10, Math.floor(rt.options.leaseMs / 2)));
    }
  })();
  return {
    async stop() {
      stopping = true;
      pause.wake();
      await loop;
    },
  };
}

/** Ends the attempts whose leases expired: dead after the last attempt, due again otherwise. */
export function reapExpired(rt: JobsRuntime): ResultAsync<number, JobsError> {
  const now = rt.clock.now();
  const failure: JobFailure = {
    code: 'LEASE_EXPIRED',
    message: `its worker stopped renewing the lease (it died, or stalled past leaseMs = ${rt.options.leaseMs} ms)`,
    at: now,
  };
  const error = JSON.stringify(failure);
  return rt.sql
    .execute(rt.statements.buryExpired, [error, now, now])
    .andThen((buried) =>
      rt.sql
        .execute(rt.statements.reviveExpired, [now, error, now])
        .map((revived) => buried.rowsAffected + revived.rowsAffected),
    )
    .mapErr(fromSql('reap', 'ending expired leases'));
}

/** Deletes finished jobs older than their retention (0 keeps them); returns how many. */
export function purgeFinished(rt: JobsRuntime): ResultAsync<number, JobsError> {
  const now = rt.clock.now();
  const { keepCompletedMs, keepDeadMs } = rt.options;
  const rules: [string, number][] = [
    ['completed', keepCompletedMs],
    ['cancelled', keepCompletedMs],
    ['dead', keepDeadMs],
  ];
  const purge = (state: string, keepMs: number, total: number): ResultAsync<number, JobsError> =>
    keepMs === 0
      ? okAsync(total)
      : rt.sql
          .execute(rt.statements.purge, [state, now - keepMs, purgeBatch])
          .mapErr(fromSql('purge', `purging ${state} jobs`))
          .andThen(({ rowsAffected }) =>
            rowsAffected === purgeBatch ? purge(state, keepMs, total + rowsAffected) : okAsync(total + rowsAffected),
          );
  return rules.reduce<ResultAsync<number, JobsError>>(
    (sum, [state, keepMs]) => sum.andThen((total) => purge(state, keepMs, total)),
    okAsync(0),
  );
}
