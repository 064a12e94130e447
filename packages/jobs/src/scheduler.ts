import { err, ok, okAsync, SqlError, type Result, type ResultAsync } from '@keel/core';
import { insertJob, unknownJob } from './enqueue.js';
import type { JobSettings } from './job-definition.js';
import { tickKey } from './job-rows.js';
import { fromSql, jobsError, type JobsError } from './jobs-errors.js';
import type { JobsRuntime } from './jobs-runtime.js';
import { pauses } from './pause.js';
import {
  type MissedTicks,
  type ScheduleClock,
  type ScheduleInput,
  scheduleClock,
  ticksToFire,
} from './schedule-spec.js';

interface Schedule {
  readonly name: string;
  readonly clock: ScheduleClock;
  readonly job: string;
  readonly payload: unknown;
  readonly options: JobSettings | undefined;
  readonly missed: MissedTicks;
}

/** The longest a started scheduler goes without reading its schedules' rows (another process may have fired or changed them). */
const maxSleepMs = 1000;

/**
 * Fires schedules in every started process, each tick once in all: a process that finds a tick
 * due moves the schedule's row past it with a compare-and-set on `next_at` and enqueues the
 * tick's job in the same transaction; the others' compare-and-set then changes nothing. The
 * tick's job also carries a unique `(schedule, tick)` key.
 */
export function createScheduler(rt: JobsRuntime) {
  const schedules = new Map<string, Schedule>();
  const pause = pauses();
  let loop: Promise<void> | undefined;
  let stopping = false;

  const add = (name: string, input: ScheduleInput): Result<void, JobsError> => {
    if (typeof name !== 'string' || !/^[\w.:-]{1,150}$/.test(name)) {
      return err(
        jobsError(
          'INVALID_SCHEDULE',
          'schedule',
          `schedule name '${String(name)}': expected 1 to 150 letters, digits or \`_.:-\``,
        ),
      );
    }
    if (rt.definitions[input?.job] === undefined) return err(unknownJob(rt, String(input?.job), `schedule '${name}'`));
    return scheduleClock(name, input).map((clock) => {
      schedules.set(name, {
        name,
        clock,
        job: input.job,
        payload: input.payload,
        options: input.options,
        missed: input.missed ?? 'latest',
      });
      pause.wake();
      return undefined;
    });
  };

  /** Fires what is due of one schedule; returns when it is due next. */
  const fire = (s: Schedule): ResultAsync<number, JobsError> => {
    const now = rt.clock.now();
    const st = rt.statements;
    const failed = fromSql('schedule', `firing schedule '${s.name}'`);
    return rt.sql
      .query(st.schedule, [s.name])
      .mapErr(failed)
      .andThen(({ rows }) => {
        const row = rows[0];
        const first = s.clock.next(now);
        if (row === undefined) {
          return rt.sql
            .execute(st.addSchedule, [s.name, s.clock.spec, first, now])
            .mapErr(failed)
            .map(() => first);
        }
        const [spec, nextAt] = [row[0] as string, Number(row[1])];
        if (spec !== s.clock.spec) {
          // A new timing starts from its next tick; ticks of the old one are not fired.
          return rt.sql
            .execute(st.respec, [s.clock.spec, first, now, s.name, spec])
            .mapErr(failed)
            .map(() => first);
        }
        if (nextAt > now) return okAsync(nextAt);
        const { fire: ticks, next } = ticksToFire(s.clock, nextAt, now, s.missed, rt.options.lateTickMs);
        return rt.sql
          .transaction<undefined, JobsError | SqlError>(async (tx) => {
            const won = await tx.execute(st.advance, [next, ticks.at(-1) ?? null, now, s.name, spec, nextAt]);
            if (won.isErr() || won.value.rowsAffected === 0) return won.map(() => undefined);
            for (const tick of ticks) {
              const job = {
                name: s.job,
                payload: s.payload,
                tickKey: tickKey(s.name, tick),
                scheduleSettings: s.options,
              };
              const queued = await insertJob(rt, tx, job, `schedule '${s.name}'`);
              if (queued.isErr()) return err(queued.error);
            }
            return ok(undefined);
          })
          .mapErr((e) => (e instanceof SqlError ? failed(e) : e))
          .map(() => next);
      });
  };

  const run = async () => {
    while (!stopping) {
      let wakeAt = rt.clock.now() + Math.min(maxSleepMs, rt.options.pollIntervalMs);
      for (const s of schedules.values()) {
        const due = await fire(s);
        if (due.isErr()) rt.onError(due.error);
        else wakeAt = Math.min(wakeAt, due.value);
      }
      if (!stopping) await pause.for(Math.max(1, wakeAt - rt.clock.now()));
    }
  };

  return {
    add,
    start() {
      if (loop) return;
      stopping = false;
      loop = run();
    },
    async stop() {
      stopping = true;
      pause.wake();
      await loop;
      loop = undefined;
    },
  };
}
