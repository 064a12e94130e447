import { type ResultAsync, type Sql, type SqlError, rowsToObjects } from '@keel/core';
import type { ExecutionRecord } from './execution-log.js';

/** What `SqlExecutionLog.query` selects; every field narrows, none set means every record. */
export interface ExecutionQuery {
  /** One record by its row id. */
  readonly id?: number;
  /** Records of components whose id (the registry's `name@version`) is this, or starts with `<this>@`. */
  readonly component?: string;
  readonly outcome?: 'ok' | 'error';
  /** Calls made for this workflow run (`callWith({ workflow: { run, step } })`). */
  readonly workflowRun?: string;
  /** Calls started at or after this time (ms since the epoch). */
  readonly from?: number;
  /** Calls started before this time (ms since the epoch). */
  readonly to?: number;
  /** Records older than this row id: the previous page's `cursor`. */
  readonly before?: number;
  /** At most this many, newest first. @default 50 */
  readonly limit?: number;
}

/** A stored record with its row id. */
export interface StoredExecution extends ExecutionRecord {
  readonly id: number;
}

/** One page of records, newest first; `cursor` (a row id for `before`) when there are older ones. */
export interface ExecutionPage {
  readonly items: StoredExecution[];
  readonly cursor: number | undefined;
}

/** Reads the execution table that `createSqlExecutionLog` writes: the same columns, declared in one place. */
export function queryExecutions(sql: Sql, table: string, q: ExecutionQuery): ResultAsync<ExecutionPage, SqlError> {
  const where: string[] = [];
  const params: (string | number)[] = [];
  const add = (clause: string, ...values: (string | number)[]) => {
    where.push(clause);
    params.push(...values);
  };
  if (q.id !== undefined) add('id = ?', q.id);
  if (q.component !== undefined)
    add('(component = ? OR substr(component, 1, ?) = ?)', q.component, q.component.length + 1, `${q.component}@`);
  if (q.outcome !== undefined) add('outcome = ?', q.outcome);
  if (q.workflowRun !== undefined) add('workflow_run = ?', q.workflowRun);
  if (q.from !== undefined) add('started_at >= ?', Math.floor(q.from));
  if (q.to !== undefined) add('started_at < ?', Math.ceil(q.to));
  if (q.before !== undefined) add('id < ?', q.before);
  const limit = checkLimit(q.limit);
  const statement = `SELECT * FROM ${table}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${limit + 1}`;
  return sql.query(statement, params).map((result) => {
    const rows = rowsToObjects(result).map(toRecord);
    const items = rows.slice(0, limit);
    return { items, cursor: rows.length > limit ? items[items.length - 1]?.id : undefined };
  });
}

/** The page size, 50 by default; another value is a programming mistake (it is put into the SQL text). */
export function checkLimit(limit: number | undefined): number {
  const n = limit ?? 50;
  if (!Number.isInteger(n) || n < 1 || n > 1000)
    throw new TypeError(`SqlExecutionLog.query: limit must be an integer from 1 to 1000, got ${String(limit)}`);
  return n;
}

function toRecord(row: Record<string, unknown>): StoredExecution {
  const error = row.error_code == null ? undefined : { code: row.error_code, message: String(row.error_message ?? '') };
  return {
    id: Number(row.id),
    component: String(row.component),
    hash: String(row.hash),
    export: String(row.export),
    mode: row.mode as ExecutionRecord['mode'],
    startedAt: Number(row.started_at),
    durationMs: Number(row.duration_ms),
    hostCalls: JSON.parse(String(row.host_calls)) as Record<string, number>,
    deniedCalls: Number(row.denied_calls),
    outcome: row.outcome as ExecutionRecord['outcome'],
    ...(error ? { error: error as ExecutionRecord['error'] & object } : {}),
    memoryPages: row.memory_pages == null ? undefined : Number(row.memory_pages),
    fuelUsed: row.fuel_used == null ? undefined : Number(row.fuel_used),
    stdout: String(row.stdout),
    stderr: String(row.stderr),
    outputTruncated: Number(row.output_truncated) === 1,
    ...(row.workflow_run == null
      ? {}
      : { workflow: { run: String(row.workflow_run), step: String(row.workflow_step ?? '') } }),
  };
}
