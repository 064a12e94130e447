import {
  ResultAsync,
  SqlSandboxError,
  errAsync,
  type SqlError,
  type SqlExecuteResult,
  type SqlParams,
  type SqlQueryResult,
  type SqlSandbox,
  type SqlSandboxErrorCode,
  type SqlSandboxOptions,
  type SqlSandboxTransaction,
} from '@keel/core';
import { sandboxParamsProblem } from '@keel/core/adapter';
import { adapter, toSqliteError } from './sqlite-errors.js';
import type { ResolvedSqliteSqlOptions } from './sqlite-options.js';
import { ChildError, ProcessFailure, SandboxProcess } from './sqlite-sandbox-process.js';
import { readInteger } from './sqlite-statements.js';

/**
 * `sql.sandbox(options)` on SQLite: untrusted SQL in a child process with its own connection
 * to the same file (see `sqlite-sandbox-child.js` for what the engine enforces there). Resolves
 * once the process has opened the database and prepared the named statements, so a statement
 * that does not prepare, or one that writes in a read-only sandbox, fails here.
 */
export async function openSqliteSandbox(
  resolved: ResolvedSqliteSqlOptions,
  options: SqlSandboxOptions,
  onClose: (sandbox: SqlSandbox) => void,
): Promise<SqlSandbox> {
  const child = new SandboxProcess({
    filename: resolved.filename,
    readOnly: options.readOnly || resolved.readonly,
    foreignKeys: resolved.foreignKeys,
    // A lock held elsewhere is BUSY well before the deadline kills the statement.
    busyTimeoutMs: Math.min(resolved.busyTimeoutMs, Math.floor(options.deadlineMs / 2)),
    maxResultBytes: options.maxResultBytes,
    deadlineMs: options.deadlineMs,
    statements: options.statements,
    nativeBinding: resolved.nativeBinding,
  });
  try {
    await child.start();
  } catch (error) {
    await child.close();
    throw sandboxError(error, 'sandbox');
  }
  return new SqliteSandbox(child, onClose);
}

class SqliteSandbox implements SqlSandbox {
  private closed = false;
  /** The top-level transaction, while one is open: statements on the sandbox itself wait for nothing. */
  open: SqliteSandboxTransaction | undefined;

  constructor(
    readonly process: SandboxProcess,
    private readonly onClose: (sandbox: SqlSandbox) => void,
  ) {}

  get busy(): boolean {
    return this.process.busy;
  }

  query(statement: string, params?: SqlParams): ResultAsync<SqlQueryResult, SqlSandboxError> {
    return this.statement('query', { op: 'query', statement, params }, params, queryResult);
  }

  execute(statement: string, params?: SqlParams): ResultAsync<SqlExecuteResult, SqlSandboxError> {
    return this.statement('execute', { op: 'execute', statement, params }, params, executeResult);
  }

  executeScript(script: string): ResultAsync<void, SqlSandboxError> {
    return this.statement('executeScript', { op: 'script', statement: script }, undefined, () => undefined);
  }

  begin(): ResultAsync<SqlSandboxTransaction, SqlSandboxError> {
    const refused = this.refusal('begin');
    if (refused) return errAsync(refused);
    return this.call('begin', { op: 'begin', depth: 1 }, () => {
      this.open = new SqliteSandboxTransaction(this, undefined, 1, this.process.generation);
      return this.open;
    });
  }

  interrupt(): void {
    this.process.interrupt('the statement was interrupted');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onClose(this);
    await this.process.close();
  }

  /** Runs a request on the process; its answer becomes the result through `map`. */
  call<T>(op: string, message: Record<string, unknown>, map: (value: never) => T): ResultAsync<T, SqlSandboxError> {
    if (this.closed) return errAsync(failure('NOT_OPEN', 'the sandbox is closed', op));
    return ResultAsync.fromPromise(this.process.request(message), (error) => sandboxError(error, op)).map(
      map as (value: unknown) => T,
    );
  }

  /** A statement's checks (text, values), then the request. */
  statement<T>(
    op: string,
    message: Record<string, unknown>,
    params: SqlParams | undefined,
    map: (value: never) => T,
    inside?: SqliteSandboxTransaction,
  ): ResultAsync<T, SqlSandboxError> {
    if (typeof message.statement !== 'string')
      throw new TypeError(`sandbox.${op}: the statement must be a string, got ${typeof message.statement}`);
    const refused = inside ? inside.refusal(op) : this.refusal(op);
    if (refused) return errAsync(refused);
    const problem = sandboxParamsProblem(params);
    if (problem) return errAsync(failure('INVALID_PARAMETER', problem, op));
    return this.call(op, message, map);
  }

  /** Why a call on the sandbox itself cannot run now. */
  private refusal(op: string): SqlSandboxError | undefined {
    if (this.open?.current() === true)
      return failure('BUSY', 'a transaction is open on this sandbox; run statements on it, or end it', op);
    return undefined;
  }
}

/** A transaction or savepoint on the sandbox's connection. Core's order rules, kept here. */
class SqliteSandboxTransaction implements SqlSandboxTransaction {
  private over: string | undefined;
  private inner: SqliteSandboxTransaction | undefined;

  constructor(
    private readonly sandbox: SqliteSandbox,
    private readonly parent: SqliteSandboxTransaction | undefined,
    readonly depth: number,
    private readonly generation: number,
  ) {}

  /** Still usable: not ended, and its process still the one it began in. */
  current(): boolean {
    return this.over === undefined && this.generation === this.sandbox.process.generation;
  }

  query(statement: string, params?: SqlParams): ResultAsync<SqlQueryResult, SqlSandboxError> {
    return this.sandbox.statement('query', { op: 'query', statement, params }, params, queryResult, this);
  }

  execute(statement: string, params?: SqlParams): ResultAsync<SqlExecuteResult, SqlSandboxError> {
    return this.sandbox.statement('execute', { op: 'execute', statement, params }, params, executeResult, this);
  }

  executeScript(script: string): ResultAsync<void, SqlSandboxError> {
    return this.sandbox.statement('executeScript', { op: 'script', statement: script }, undefined, () => {}, this);
  }

  begin(): ResultAsync<SqlSandboxTransaction, SqlSandboxError> {
    const refused = this.refusal('begin');
    if (refused) return errAsync(refused);
    return this.sandbox.call('begin', { op: 'begin', depth: this.depth + 1 }, () => {
      this.inner = new SqliteSandboxTransaction(this.sandbox, this, this.depth + 1, this.generation);
      return this.inner;
    });
  }

  commit(): ResultAsync<void, SqlSandboxError> {
    return this.end('commit');
  }

  rollback(): ResultAsync<void, SqlSandboxError> {
    return this.end('rollback');
  }

  /** Why this transaction cannot take a call now. */
  refusal(op: string): SqlSandboxError | undefined {
    if (this.over !== undefined) return failure('TRANSACTION', `the transaction is ${this.over}`, op);
    if (!this.current())
      return failure('TRANSACTION', 'the transaction was lost: the sandbox stopped a statement and restarted', op);
    if (this.inner?.current()) return failure('TRANSACTION', 'a nested transaction is open; end it first', op);
    return undefined;
  }

  private end(op: 'commit' | 'rollback'): ResultAsync<void, SqlSandboxError> {
    const refused = this.refusal(op);
    if (refused) return errAsync(refused);
    // Ended whatever the outcome: SQLite ends a transaction whose COMMIT or ROLLBACK fails.
    this.over = op === 'commit' ? 'committed' : 'rolled back';
    if (this.parent) this.parent.inner = undefined;
    return this.sandbox.call(op, { op, depth: this.depth }, () => undefined);
  }
}

function queryResult(value: SqlQueryResult): SqlQueryResult {
  return value;
}

function executeResult(value: { rowsAffected: number; lastInsertId: bigint | undefined }): SqlExecuteResult {
  return {
    rowsAffected: value.rowsAffected,
    lastInsertId: value.lastInsertId === undefined ? undefined : readInteger(value.lastInsertId),
  };
}

function failure(code: SqlSandboxErrorCode, message: string, op: string, cause?: unknown): SqlSandboxError {
  return new SqlSandboxError({ code, message, adapter, op, ...(cause === undefined ? {} : { cause }) });
}

/**
 * What a request failed with, as a sandbox error. SQLite's own codes go through the adapter's
 * mapping (so a constraint is `CONSTRAINT_VIOLATION` with its kind), except out-of-memory,
 * which is the sandbox's memory running out: `TOO_LARGE`.
 */
function sandboxError(error: unknown, op: string): SqlSandboxError {
  if (error instanceof ProcessFailure) return failure(error.code, error.message, op, error);
  if (!(error instanceof ChildError)) return failure('INTERNAL', `sandbox.${op} failed: ${String(error)}`, op, error);
  const f = error.failure;
  if ('code' in f) return failure(f.code as SqlSandboxErrorCode, f.message, op);
  if ('sqlite' in f && f.sqlite === 'SQLITE_NOMEM')
    return failure('TOO_LARGE', `the statement ran out of the sandbox's memory: ${f.message}`, op);
  const thrown =
    'sqlite' in f
      ? { code: f.sqlite, message: f.message }
      : f.name === 'RangeError'
        ? new RangeError(f.message)
        : f.name === 'TypeError'
          ? new TypeError(f.message)
          : new Error(f.message);
  const mapped: SqlError = toSqliteError(thrown, op);
  const { constraint } = mapped;
  return new SqlSandboxError({
    code: mapped.code,
    message: mapped.message,
    adapter,
    op,
    cause: mapped,
    ...(constraint ? { constraint } : {}),
  });
}
