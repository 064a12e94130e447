import { ResultAsync, type Sql, type SqlError } from '@keel/core';
import type { ExecutionLogSink, ExecutionRecord } from './execution-log.js';
import { type ExecutionPage, type ExecutionQuery, checkLimit, queryExecutions } from './sql-execution-query.js';

/** Options of `createSqlExecutionLog`. */
export interface SqlExecutionLogOptions {
  /** The table; created when missing. Letters, digits and `_` only. @default 'wasm_executions' */
  readonly table?: string;
  /** Called when a record cannot be stored; the record is dropped. @default ignore */
  readonly onError?: (error: unknown, record: ExecutionRecord) => void;
}

/** A sink that stores records in a sql table; `flush` waits for the writes in progress. */
export interface SqlExecutionLog extends ExecutionLogSink {
  flush(): Promise<void>;
  /** The stored records that match, newest first (the table is created when missing). */
  query(query?: ExecutionQuery): ResultAsync<ExecutionPage, SqlError>;
}

/**
 * Stores execution records in a table (one row per call; host calls as JSON). Writes are
 * queued and run one at a time, off the call's path.
 *
 * @example
 * const host = createWasmHost(keel, { executionLog: createSqlExecutionLog(keel.sql) });
 * // SELECT component, export, outcome, duration_ms FROM wasm_executions ORDER BY id DESC LIMIT 20
 */
export function createSqlExecutionLog(sql: Sql, options: SqlExecutionLogOptions = {}): SqlExecutionLog {
  const table = options.table ?? 'wasm_executions';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(table))
    throw new TypeError(`createSqlExecutionLog: table must be letters, digits and _, got '${table}'`);
  // SQLite numbers an INTEGER PRIMARY KEY itself and its INTEGER holds 64 bits; PostgreSQL needs
  // an identity column and BIGINT for epoch milliseconds.
  const t =
    sql.capabilities.dialect === 'postgres'
      ? { id: 'BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY', big: 'BIGINT', real: 'DOUBLE PRECISION' }
      : { id: 'INTEGER PRIMARY KEY', big: 'INTEGER', real: 'REAL' };
  let ready: Promise<boolean> | undefined;
  let queue: Promise<void> = Promise.resolve();
  const create = () =>
    sql
      .executeScript(
        `CREATE TABLE IF NOT EXISTS ${table} (
          id ${t.id},
          component TEXT NOT NULL,
          hash TEXT NOT NULL,
          export TEXT NOT NULL,
          mode TEXT NOT NULL,
          started_at ${t.big} NOT NULL,
          duration_ms ${t.real} NOT NULL,
          host_calls TEXT NOT NULL,
          denied_calls INTEGER NOT NULL,
          outcome TEXT NOT NULL,
          error_code TEXT,
          error_message TEXT,
          memory_pages INTEGER,
          fuel_used ${t.big},
          stdout TEXT NOT NULL,
          stderr TEXT NOT NULL,
          output_truncated INTEGER NOT NULL,
          workflow_run TEXT,
          workflow_step TEXT
        )`,
      )
      .match(
        () => true,
        () => false,
      )
      .then(async (created) => {
        // A table made before a column existed gets it; the error when it is there already is expected.
        if (created) {
          await sql.executeScript(`ALTER TABLE ${table} ADD COLUMN fuel_used ${t.big}`);
          await sql.executeScript(`ALTER TABLE ${table} ADD COLUMN workflow_run TEXT`);
          await sql.executeScript(`ALTER TABLE ${table} ADD COLUMN workflow_step TEXT`);
          // A run's calls are read by its id (the console's `run` filter).
          await sql.executeScript(
            `CREATE INDEX IF NOT EXISTS ${table}_workflow_run ON ${table} (workflow_run) WHERE workflow_run IS NOT NULL`,
          );
        }
        return created;
      });
  const insert = async (record: ExecutionRecord) => {
    ready ??= create();
    if (!(await ready)) {
      ready = undefined;
      throw new Error(`createSqlExecutionLog: could not create table ${table}`);
    }
    const r = await sql.execute(
      `INSERT INTO ${table} (component, hash, export, mode, started_at, duration_ms, host_calls, denied_calls, outcome,
        error_code, error_message, memory_pages, fuel_used, stdout, stderr, output_truncated, workflow_run, workflow_step)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        record.component,
        record.hash,
        record.export,
        record.mode,
        Math.round(record.startedAt),
        record.durationMs,
        JSON.stringify(record.hostCalls),
        record.deniedCalls,
        record.outcome,
        record.error?.code ?? null,
        record.error?.message ?? null,
        record.memoryPages ?? null,
        record.fuelUsed ?? null,
        record.stdout,
        record.stderr,
        record.outputTruncated ? 1 : 0,
        record.workflow?.run ?? null,
        record.workflow?.step ?? null,
      ],
    );
    if (r.isErr()) throw r.error;
  };
  return {
    write(record) {
      queue = queue.then(() => insert(record)).catch((error: unknown) => options.onError?.(error, record));
    },
    flush: () => queue,
    query(query = {}) {
      checkLimit(query.limit);
      ready ??= create();
      // When the table could not be made, the SELECT says why (and the next call tries again).
      return ResultAsync.fromSafePromise(ready).andThen((created) => {
        if (!created) ready = undefined;
        return queryExecutions(sql, table, query);
      });
    },
  };
}
