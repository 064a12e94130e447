import type { ResultAsync } from 'neverthrow';
import { KeelError, type KeelErrorInit } from '../errors/keel-error.js';
import { guardedCall } from '../lifecycle/guarded-call.js';
import type { Lifecycle } from '../lifecycle/lifecycle.js';
import type { MaybePromise } from '../lifecycle/promise-like.js';
import type { SqlConstraintKind, SqlExecuteResult, SqlParams, SqlQueryResult } from './sql-contract.js';
import { SqlError, type SqlErrorCode } from './sql-errors.js';
import { sqlValueProblem } from './sql-values.js';

/**
 * The codes of a sandbox's errors: every `SqlErrorCode`, plus the two limits only a sandbox
 * enforces. A sandbox is a host-side facet, not a WIT interface, so these two have no WIT case:
 * a host maps them onto its own limits (wasm-host ends the guest's call with `TIMEOUT` or
 * `MEMORY_LIMIT`).
 */
export type SqlSandboxErrorCode = SqlErrorCode | 'TIMEOUT' | 'TOO_LARGE';

export interface SqlSandboxErrorInit extends KeelErrorInit<SqlSandboxErrorCode> {
  readonly constraint?: SqlConstraintKind;
}

/**
 * The error of every sandbox operation. `TIMEOUT`: the statement ran past `deadlineMs` and was
 * stopped (the sandbox's process was killed). `TOO_LARGE`: the result passed `maxResultBytes`
 * while its rows were read, or the statement ran out of the sandbox's memory.
 *
 * @example
 * const r = await sandbox.query('SELECT * FROM big');
 * if (r.isErr() && r.error.code === 'TOO_LARGE') return tooBig();
 */
export class SqlSandboxError extends KeelError<SqlSandboxErrorCode> {
  override readonly name = 'SqlSandboxError';
  readonly constraint?: SqlConstraintKind;

  constructor(init: SqlSandboxErrorInit) {
    super(init);
    if (init.constraint !== undefined) this.constraint = init.constraint;
  }
}

/** What a sandbox may do and consume. */
export interface SqlSandboxOptions {
  /** Open its connection read-only: no statement that writes runs, whatever its text. */
  readonly readOnly: boolean;
  /** A statement still running after this long is stopped: `TIMEOUT`. */
  readonly deadlineMs: number;
  /**
   * The most a query's result may weigh, counted while its rows are read: UTF-8 bytes of text
   * and column names, blob bytes, 8 per number, plus 16 per value and 8 per row.
   */
  readonly maxResultBytes: number;
  /**
   * Named statements, prepared when the sandbox starts. When given, only these run: the caller
   * passes a name where the statement text would go, and `executeScript` is `ACCESS_DENIED`.
   */
  readonly statements?: Readonly<Record<string, string>>;
}

/** Statements on a sandbox or inside one of its transactions. */
export interface SqlSandboxStatements {
  query(statement: string, params?: SqlParams): ResultAsync<SqlQueryResult, SqlSandboxError>;
  execute(statement: string, params?: SqlParams): ResultAsync<SqlExecuteResult, SqlSandboxError>;
  executeScript(script: string): ResultAsync<void, SqlSandboxError>;
}

/** A transaction on a sandbox's own connection; `begin` nests a savepoint. */
export interface SqlSandboxTransaction extends SqlSandboxStatements {
  readonly depth: number;
  begin(): ResultAsync<SqlSandboxTransaction, SqlSandboxError>;
  commit(): ResultAsync<void, SqlSandboxError>;
  rollback(): ResultAsync<void, SqlSandboxError>;
}

/**
 * Untrusted SQL on its own connection, where it can be stopped: what `sql.sandbox(options)`
 * returns on an adapter with the `sandbox` capability. One statement runs at a time.
 *
 * @example
 * const sandbox = (await sql.sandbox!({ readOnly: true, deadlineMs: 200, maxResultBytes: 1 << 20 }))._unsafeUnwrap();
 * const rows = await sandbox.query('SELECT title FROM tasks WHERE workspace_id = ?', [7]);
 * await sandbox.close();
 */
export interface SqlSandbox extends SqlSandboxStatements {
  begin(): ResultAsync<SqlSandboxTransaction, SqlSandboxError>;
  /** A statement is running. */
  readonly busy: boolean;
  /** Stops the running statement now (it fails with `TIMEOUT`); open transactions are lost. */
  interrupt(): void;
  /** Ends the sandbox; later calls are `NOT_OPEN`. Idempotent. */
  close(): Promise<void>;
}

/** `sql.sandbox`: opens a sandbox. Bad options are a programming mistake and throw a `TypeError`. */
export type SqlSandboxFactory = (options: SqlSandboxOptions) => ResultAsync<SqlSandbox, SqlSandboxError>;

/** Wraps a driver's `sandbox` in core's guard: options checked, lifecycle enforced, throws as `Err`. */
export function sandboxFacet(
  adapter: string,
  lifecycle: Lifecycle,
  open: (options: SqlSandboxOptions) => MaybePromise<SqlSandbox>,
): SqlSandboxFactory {
  const errors = {
    fromThrown: (thrown: unknown, op: string) => toSandboxError(thrown, adapter, op),
    notOpen: (op: string) =>
      new SqlSandboxError({ code: 'NOT_OPEN', message: `sql adapter '${adapter}' is closed`, adapter, op }),
  };
  return (options) => {
    const checked = readSandboxOptions(options);
    return guardedCall(lifecycle, errors, 'sandbox', () => open(checked));
  };
}

/** Why `params` cannot be bound, or `undefined`; a sandbox checks values as core's guard does. */
export function sandboxParamsProblem(params: SqlParams | undefined): string | undefined {
  if (params === undefined) return undefined;
  const entries = Array.isArray(params) ? params.entries() : Object.entries(params as object);
  for (const [at, value] of entries) {
    const problem = sqlValueProblem(value);
    if (problem) return `params${typeof at === 'number' ? `[${at}]` : `.${at}`} ${problem}`;
  }
  return undefined;
}

function readSandboxOptions(options: SqlSandboxOptions): SqlSandboxOptions {
  const fail = (field: string, expected: string): never => {
    throw new TypeError(`sql.sandbox: ${field} must be ${expected}`);
  };
  if (typeof options !== 'object' || options === null) fail('options', 'an object');
  const { readOnly, deadlineMs, maxResultBytes, statements } = options;
  if (typeof readOnly !== 'boolean') fail('readOnly', 'a boolean');
  if (!Number.isInteger(deadlineMs) || deadlineMs < 1) fail('deadlineMs', 'a positive integer');
  if (!Number.isInteger(maxResultBytes) || maxResultBytes < 0) fail('maxResultBytes', 'an integer ≥ 0');
  if (statements !== undefined) {
    if (typeof statements !== 'object' || statements === null) fail('statements', 'an object of names to SQL');
    for (const [name, text] of Object.entries(statements)) {
      if (name === '' || typeof text !== 'string' || text.trim() === '')
        fail(`statements.${name || '(empty name)'}`, 'a non-empty SQL string under a non-empty name');
    }
  }
  return Object.freeze({
    readOnly,
    deadlineMs,
    maxResultBytes,
    ...(statements === undefined ? {} : { statements: Object.freeze({ ...statements }) }),
  });
}

/** A driver's throw as a sandbox error: its code kept when it has one of ours, else `INTERNAL`. */
function toSandboxError(thrown: unknown, adapter: string, op: string): SqlSandboxError {
  if (thrown instanceof SqlSandboxError) return thrown;
  if (thrown instanceof SqlError) {
    const { code, message, constraint } = thrown;
    return new SqlSandboxError({ code, message, adapter, op, cause: thrown, ...(constraint ? { constraint } : {}) });
  }
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  return new SqlSandboxError({
    code: 'INTERNAL',
    message: `sql sandbox failed in ${op}: ${message}`,
    adapter,
    op,
    cause: thrown,
  });
}
