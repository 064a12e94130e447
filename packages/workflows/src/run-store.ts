import type { ResultAsync, SqlParams, SqlQueryResult, SqlValue } from '@keel/core';
import type { Json } from './workflow-definition.js';
import type { RecordedError, RunState, RunStatus, StepRecord, StepState } from './workflows-types.js';

/** What reads and writes a run: the database or a transaction on it. */
export interface Queryable {
  query(statement: string, params?: SqlParams): ResultAsync<SqlQueryResult, unknown>;
  execute(statement: string, params?: SqlParams): ResultAsync<unknown, unknown>;
}

const runColumns = 'id, workflow, state, input, context, error, created_at, finished_at';
const stepColumns =
  'id, step, visit, state, via, input, output, error, attempts, failures, started_at, finished_at, duration_ms, job_id, fuel_used, host_calls';

/** What an attempt's component call used, from its execution record. */
export interface StepUsage {
  fuelUsed?: number | undefined;
  hostCalls?: Readonly<Record<string, number>> | undefined;
}

/** A step row with what the engine needs beside the public record. */
export interface StepRow extends StepRecord {
  readonly failures: number;
  readonly jobId: string | undefined;
}

/** The statements of one set of workflow tables. Parameters are positional. */
export function runStore(table: string) {
  const runs = `${table}_runs`;
  const steps = `${table}_steps`;
  return {
    insertRun: (q: Queryable, id: string, workflow: string, input: Json, context: Json, now: number) =>
      q.execute(
        `INSERT INTO ${runs} (id, workflow, state, input, context, created_at, updated_at) VALUES (?, ?, 'running', ?, ?, ?, ?)`,
        [id, workflow, JSON.stringify(input), JSON.stringify(context), now, now],
      ),
    run: (q: Queryable, id: string) =>
      q.query(`SELECT ${runColumns} FROM ${runs} WHERE id = ?`, [id]).map(({ rows }) => rows[0] && runFromRow(rows[0])),
    /** Takes the run's row lock (PostgreSQL; SQLite's write lock is the database's) before reading it. */
    lockRun: (q: Queryable, id: string, now: number) =>
      q
        .execute(`UPDATE ${runs} SET updated_at = ? WHERE id = ?`, [now, id])
        .andThen(() => q.query(`SELECT ${runColumns} FROM ${runs} WHERE id = ?`, [id]))
        .map(({ rows }) => rows[0] && runFromRow(rows[0])),
    /**
     * Runs newest first, after `after` (the last of the previous page), at most `limit`. Filters
     * are optional; the statement is one of four fixed shapes, the values all parameters.
     */
    list: (
      q: Queryable,
      filter: { workflow?: string | undefined; state?: RunState | undefined },
      after: { createdAt: number; id: string } | undefined,
      limit: number,
    ) => {
      const where: string[] = [];
      const params: SqlValue[] = [];
      if (filter.workflow !== undefined) {
        where.push('workflow = ?');
        params.push(filter.workflow);
      }
      if (filter.state !== undefined) {
        where.push('state = ?');
        params.push(filter.state);
      }
      if (after) {
        where.push('(created_at < ? OR (created_at = ? AND id < ?))');
        params.push(after.createdAt, after.createdAt, after.id);
      }
      const clause = where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '';
      return q
        .query(`SELECT ${runColumns} FROM ${runs}${clause} ORDER BY created_at DESC, id DESC LIMIT ?`, [
          ...params,
          limit,
        ])
        .map(({ rows }) => rows.map(runFromRow));
    },
    setContext: (q: Queryable, id: string, context: Json) =>
      q.execute(`UPDATE ${runs} SET context = ? WHERE id = ?`, [JSON.stringify(context), id]),
    endRun: (q: Queryable, id: string, state: RunState, error: RecordedError | undefined, now: number) =>
      q.execute(`UPDATE ${runs} SET state = ?, error = ?, finished_at = ? WHERE id = ? AND state = 'running'`, [
        state,
        error === undefined ? null : JSON.stringify(error),
        now,
        id,
      ]),
    step: (q: Queryable, key: string) =>
      q
        .query(`SELECT ${stepColumns} FROM ${steps} WHERE id = ?`, [key])
        .map(({ rows }) => rows[0] && stepFromRow(rows[0])),
    steps: (q: Queryable, runId: string) =>
      q
        .query(`SELECT ${stepColumns} FROM ${steps} WHERE run_id = ? ORDER BY created_at, visit, id`, [runId])
        .map(({ rows }) => rows.map(stepFromRow)),
    /** Outputs of the run's completed steps, the latest visit of each. */
    outputs: (q: Queryable, runId: string) =>
      q
        .query(`SELECT step, output FROM ${steps} WHERE run_id = ? AND state = 'completed' ORDER BY visit`, [runId])
        .map(({ rows }) => {
          const out: Record<string, { output: Json }> = {};
          for (const [step, output] of rows) out[String(step)] = { output: parse(output) ?? null };
          return out;
        }),
    visits: (q: Queryable, runId: string, step: string) =>
      q
        .query(`SELECT COUNT(*) FROM ${steps} WHERE run_id = ? AND step = ?`, [runId, step])
        .map(({ rows }) => Number(rows[0]?.[0] ?? 0)),
    insertStep: (
      q: Queryable,
      s: { key: string; runId: string; step: string; visit: number; state: StepState },
      via: string | undefined,
      now: number,
    ) =>
      q.execute(
        `INSERT INTO ${steps} (id, run_id, step, visit, state, via, attempts, failures, created_at) VALUES (?, ?, ?, ?, ?, ?, 0, 0, ?)`,
        [s.key, s.runId, s.step, s.visit, s.state, via ?? null, now],
      ),
    queue: (q: Queryable, key: string, jobId: string) =>
      q.execute(`UPDATE ${steps} SET state = 'queued', job_id = ? WHERE id = ?`, [jobId, key]),
    started: (q: Queryable, key: string, input: Json, now: number) =>
      q.execute(
        `UPDATE ${steps} SET state = 'running', attempts = attempts + 1, input = ?, started_at = ? WHERE id = ? AND state IN ('queued', 'running')`,
        [JSON.stringify(input), now, key],
      ),
    failedAttempt: (q: Queryable, key: string, error: RecordedError) =>
      q.execute(
        `UPDATE ${steps} SET state = 'queued', failures = failures + 1, error = ? WHERE id = ? AND state IN ('queued', 'running')`,
        [JSON.stringify(error), key],
      ),
    endStep: (
      q: Queryable,
      key: string,
      state: StepState,
      end: { output?: Json; error?: RecordedError; durationMs?: number; usage?: StepUsage | undefined },
      now: number,
    ) =>
      q.execute(
        `UPDATE ${steps} SET state = ?, output = COALESCE(?, output), error = COALESCE(?, error), finished_at = ?, duration_ms = ?,
          fuel_used = ?, host_calls = ? WHERE id = ?`,
        [
          state,
          end.output === undefined ? null : JSON.stringify(end.output),
          end.error === undefined ? null : JSON.stringify(end.error),
          now,
          end.durationMs ?? null,
          end.usage?.fuelUsed ?? null,
          end.usage?.hostCalls === undefined ? null : JSON.stringify(end.usage.hostCalls),
          key,
        ],
      ),
    /** The run's steps that are not finished: `waiting` joins and `queued`/`running` visits. */
    live: (q: Queryable, runId: string) =>
      q
        .query(
          `SELECT id, step, state, job_id FROM ${steps} WHERE run_id = ? AND state IN ('waiting', 'queued', 'running')`,
          [runId],
        )
        .map(({ rows }) =>
          rows.map(([id, step, state, jobId]) => ({
            key: String(id),
            step: String(step),
            state: String(state) as StepState,
            jobId: jobId === null ? undefined : String(jobId),
          })),
        ),
    cancelLive: (q: Queryable, runId: string, now: number) =>
      q.execute(
        `UPDATE ${steps} SET state = 'cancelled', finished_at = ? WHERE run_id = ? AND state IN ('waiting', 'queued', 'running')`,
        [now, runId],
      ),
  };
}

export type RunStore = ReturnType<typeof runStore>;

function runFromRow(row: readonly SqlValue[]): RunStatus {
  const [id, workflow, state, input, context, error, createdAt, finishedAt] = row;
  return {
    id: String(id),
    workflow: String(workflow),
    state: String(state) as RunState,
    input: parse(input) ?? null,
    context: parse(context) ?? null,
    error: parse(error) as RecordedError | undefined,
    createdAt: Number(createdAt),
    finishedAt: finishedAt === null ? undefined : Number(finishedAt),
  };
}

function stepFromRow(row: readonly SqlValue[]): StepRow {
  const [
    id,
    step,
    visit,
    state,
    via,
    input,
    output,
    error,
    attempts,
    failures,
    startedAt,
    finishedAt,
    duration,
    job,
    fuel,
    hostCalls,
  ] = row;
  const optionalNumber = (v: SqlValue | undefined) => (v === null || v === undefined ? undefined : Number(v));
  return {
    key: String(id),
    step: String(step),
    visit: Number(visit),
    state: String(state) as StepState,
    via: via === null ? undefined : String(via),
    input: parse(input),
    output: parse(output),
    error: parse(error) as RecordedError | undefined,
    attempts: Number(attempts),
    failures: Number(failures),
    startedAt: optionalNumber(startedAt),
    finishedAt: optionalNumber(finishedAt),
    durationMs: optionalNumber(duration),
    jobId: job === null || job === undefined ? undefined : String(job),
    fuelUsed: optionalNumber(fuel),
    hostCalls: parse(hostCalls) as Record<string, number> | undefined,
  };
}

function parse(value: SqlValue | undefined): Json | undefined {
  return value === null || value === undefined ? undefined : (JSON.parse(String(value)) as Json);
}
