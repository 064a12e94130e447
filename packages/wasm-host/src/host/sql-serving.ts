import type { Sql, SqlError, SqlSandbox, SqlSandboxError, SqlSync } from '@keel/core';
import type { SqlCalls } from '../imports/adapter-calls.js';
import type { ResolvedLimits, WasmMode } from '../wasm-host-options.js';
import { UnservedGrant, missingAdapter } from './bind-interfaces.js';
import type { ResolvedGrants } from './grants.js';
import type { AdapterSource } from './host-adapters.js';

/** How a component's sql grant is served, decided at load. */
export interface SqlServing {
  /** What the binding calls: a sandbox, or (named statements only) the adapter or its `sql.sync`. */
  readonly calls: SqlCalls<SqlError | SqlSandboxError>;
  /** The sandbox behind `calls`, if any: closed with the component. */
  readonly sandbox: SqlSandbox | undefined;
  /** The most a query result may weigh: the guest's memory cap. */
  readonly maxResultBytes: number;
  /** Statements the guest is waiting on; one still running when its call ends is interrupted. */
  waiting: number;
}

/**
 * Decides where a component's SQL runs, and opens its sandbox:
 *
 * | grant | isolated, adapter with `sandbox` | isolated, adapter without | in-thread |
 * |---|---|---|---|
 * | raw SQL (`'read-only'`, `'read-write'`) | a sandbox of its own | refused at load | refused at load |
 * | named statements | a sandbox of its own | the adapter | `sql.sync` |
 *
 * Raw SQL from a component runs only where the engine enforces the grant and a deadline can stop
 * it: a sandbox, in its own process. In-thread, a guest's import cannot wait for one, and the
 * app's connection on the app's thread can neither refuse a write by itself nor be interrupted,
 * so only the host's own statements run there. Refusals throw `UnservedGrant` (`UNAVAILABLE`).
 */
export async function serveSql(
  grant: NonNullable<ResolvedGrants['sql']>,
  adapters: AdapterSource,
  mode: WasmMode,
  limits: ResolvedLimits,
): Promise<SqlServing> {
  const adapter: Sql = adapters.sql(grant.instance) ?? missingAdapter(adapters, 'sql', grant.instance);
  const maxResultBytes = limits.maxMemoryPages * 65536;
  const named = grant.statements !== undefined;
  if (mode === 'isolated' && adapter.sandbox) {
    const opened = await adapter.sandbox({
      readOnly: grant.access === 'read-only',
      deadlineMs: limits.timeoutMs,
      maxResultBytes,
      ...(named ? { statements: grant.statements } : {}),
    });
    if (opened.isErr()) throw new UnservedGrant(`the sql sandbox did not open: ${opened.error.message}`);
    return { calls: widen(opened.value), sandbox: opened.value, maxResultBytes, waiting: 0 };
  }
  if (!named) {
    throw new UnservedGrant(
      mode === 'in-thread'
        ? 'in-thread mode serves sql only as named statements (grants.sql.statements): raw SQL from a component must run where it can be stopped; use isolated mode'
        : `raw SQL from a component needs a sql adapter with the sandbox capability, and '${adapter.adapter}' has none here (SQLite has one on a database file, not ':memory:'); grant named statements (grants.sql.statements) instead`,
    );
  }
  if (mode === 'isolated') return { calls: widen(adapter), sandbox: undefined, maxResultBytes, waiting: 0 };
  if (!adapter.sync) {
    throw new UnservedGrant(
      `in-thread mode needs a synchronous sql adapter (sql.sync); '${adapter.adapter}' is not, so use isolated mode`,
    );
  }
  return { calls: widen(adapter.sync), sandbox: undefined, maxResultBytes, waiting: 0 };
}

/** The three faces as the binding sees them (neverthrow's `Result` is invariant; the binding only reads values). */
function widen(calls: Sql | SqlSync | SqlSandbox): SqlCalls<SqlError | SqlSandboxError> {
  return calls as unknown as SqlCalls<SqlError | SqlSandboxError>;
}
