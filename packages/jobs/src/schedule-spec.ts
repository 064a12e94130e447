import { Cron } from 'croner';
import { err, ok, type Result } from '@keel/core';
import type { JobMap, JobSettings, PayloadIn } from './job-definition.js';
import { jobsError, type JobsError } from './jobs-errors.js';

/**
 * What to do with ticks that came due while no process ran the scheduler. A tick found at
 * most `lateTickMs` after its time is on time and always fires; older ones are missed:
 * `latest` fires the most recent missed tick once when no on-time tick fires (catch up once),
 * `all` fires each (at most 100, the most recent), `skip` fires none.
 */
export type MissedTicks = 'latest' | 'all' | 'skip';

/** When a schedule fires: a cron expression (5 fields, or 6 with seconds) in a time zone, or a fixed interval. */
export type ScheduleTiming =
  | { readonly cron: string; readonly timeZone?: string; readonly everyMs?: undefined }
  | { readonly everyMs: number; readonly cron?: undefined; readonly timeZone?: undefined };

/** A schedule: its timing, the job it enqueues at each tick, and its missed-tick policy. */
export type ScheduleInput<M extends JobMap = JobMap> = ScheduleTiming & {
  readonly missed?: MissedTicks;
  /** Settings of the jobs it enqueues, over the job's definition. */
  readonly options?: JobSettings;
} & { [N in keyof M & string]: { readonly job: N; readonly payload?: PayloadIn<M, N> } }[keyof M & string];

/** A schedule's timing, parsed. */
export interface ScheduleClock {
  /** Names the timing; a schedule whose spec changed starts again from the next tick. */
  readonly spec: string;
  /** The first tick strictly after `time`. */
  next(time: number): number;
  /** Up to `count` ticks strictly before `time`, newest first. */
  previous(time: number, count: number): number[];
}

/** The smallest interval: below it, a tick's jobs would pile up faster than a poll sees them. */
const minEveryMs = 10;

/**
 * Parses a schedule's timing; a cron expression or time zone that does not parse, or an
 * interval out of range, is `INVALID_SCHEDULE` naming the schedule.
 *
 * @example
 * scheduleClock('nightly', { cron: '0 3 * * *', timeZone: 'Europe/Paris' }); // Ok({ spec, next })
 */
export function scheduleClock(name: string, timing: ScheduleTiming): Result<ScheduleClock, JobsError> {
  const bad = (message: string, cause?: unknown) =>
    err(jobsError('INVALID_SCHEDULE', 'schedule', `schedule '${name}': ${message}`, cause));
  if (timing.cron !== undefined && timing.everyMs !== undefined) return bad('give either cron or everyMs, not both');
  if (timing.everyMs !== undefined) {
    const every = timing.everyMs;
    if (!Number.isSafeInteger(every) || every < minEveryMs) {
      return bad(`everyMs must be an integer of at least ${minEveryMs}, got ${String(every)}`);
    }
    // Ticks at whole multiples of the interval: every process computes the same ones.
    return ok({
      spec: `every ${every}ms`,
      next: (time) => (Math.floor(time / every) + 1) * every,
      previous: (time, count) => {
        const last = Math.ceil(time / every) - 1;
        return Array.from({ length: Math.max(0, Math.min(count, last + 1)) }, (_, i) => (last - i) * every);
      },
    });
  }
  if (typeof timing.cron !== 'string') return bad('give a cron expression (cron) or an interval (everyMs)');
  const timeZone = timing.timeZone;
  let cron: Cron;
  try {
    cron = new Cron(timing.cron, { paused: true, ...(timeZone === undefined ? {} : { timezone: timeZone }) });
    // An unknown time zone only shows when a date is computed.
    if (cron.nextRun(new Date()) === null) return bad(`cron '${timing.cron}' never fires`);
  } catch (thrown) {
    const why = thrown instanceof Error ? thrown.message : String(thrown);
    return bad(`cron '${timing.cron}'${timeZone ? ` in time zone '${timeZone}'` : ''} does not parse: ${why}`, thrown);
  }
  return ok({
    spec: `cron ${timing.cron}${timeZone ? ` ${timeZone}` : ''}`,
    next: (time) => cron.nextRun(new Date(time))?.getTime() ?? Number.MAX_SAFE_INTEGER,
    previous: (time, count) => cron.previousRuns(count, new Date(time)).map((d) => d.getTime()),
  });
}

/** Ticks fired at most per pass: a long downtime on a per-second schedule is a lot of ticks. */
const maxTicks = 100;

/**
 * The ticks to fire when a process finds the schedule due (`dueAt` ≤ `now`), by the policy, and
 * the next tick after `now`. Only the ticks it fires are computed, so a schedule due long ago
 * costs no more than one due now.
 *
 * @example
 * ticksToFire(everySecond, 1_000, 5_500, 'latest', 60_000); // { fire: [1000, 2000, 3000, 4000, 5000], next: 6000 }
 */
export function ticksToFire(
  clock: ScheduleClock,
  dueAt: number,
  now: number,
  missed: MissedTicks,
  lateTickMs: number,
): { fire: number[]; next: number } {
  const onTimeFrom = Math.max(dueAt, now - lateTickMs);
  const onTime: number[] = [];
  for (let tick = dueAt >= onTimeFrom ? dueAt : clock.next(onTimeFrom - 1); tick <= now; tick = clock.next(tick)) {
    onTime.push(tick);
    if (onTime.length > maxTicks) onTime.shift();
  }
  let late: number[] = [];
  if (dueAt < onTimeFrom && (missed === 'all' || (missed === 'latest' && onTime.length === 0))) {
    const count = missed === 'all' ? maxTicks : 1;
    late = clock
      .previous(onTimeFrom, count)
      .filter((tick) => tick >= dueAt)
      .reverse();
  }
  return { fire: [...late, ...onTime].slice(-maxTicks), next: clock.next(now) };
}
