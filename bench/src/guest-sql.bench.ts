import { createSqliteSql } from '@keel/adapter-sqlite';
import type { SqlSandbox } from '@keel/core';
import { createWasmHost } from '@keel/wasm-host';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compare } from './harness.js';

/**
 * The price of running a component's SQL where it can be stopped: a sql sandbox (a child process
 * with its own connection, one IPC round trip per statement) against the direct path (the app's
 * own connection, in process), for a point SELECT by primary key on a WAL file.
 *
 * `pnpm bench guest-sql` (repo root; builds first). Four runs on the 2-core dev VM while other
 * sessions kept it busy (load average 11–22), Node 20.20, 2026-12-06; the range over the runs:
 *
 * | case                                                        | time per query   |
 * | ----------------------------------------------------------- | ---------------- |
 * | better-sqlite3 prepared `get` (raw)                         | 2.5–6.3 µs       |
 * | adapter `sql.query` (the direct path)                       | 3.1–6.0 µs       |
 * | `sandbox.query` (child process, one IPC round trip)         | 55–100 µs        |
 * | guest call, isolated: named statement on the adapter        | 81–1900 µs       |
 * | guest call, isolated: raw SQL in the sandbox                | 510–1580 µs      |
 * | guest call, isolated: named statement in the sandbox        | 390–2370 µs      |
 * | sandbox start (spawn node, open, harden), median of 5       | 80–370 ms        |
 *
 * So a statement in the sandbox costs ~50–95 µs more than on the direct path: two process hops
 * with V8's serializer. Guest calls add the worker bridge (two thread hops each way), which a
 * loaded machine stretches most, so their rows are noise-dominated here; compare them in one run.
 * A sandbox also costs a process (~55 MB RSS) per loaded component.
 */
export async function run(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'keel-bench-guest-sql-'));
  try {
    await runIn(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

interface RawDatabase {
  prepare(statement: string): { get(...params: unknown[]): unknown };
  pragma(pragma: string): unknown;
  close(): void;
}
const Database = createRequire(import.meta.url)('better-sqlite3') as new (filename: string) => RawDatabase;

const attacker = join(
  dirname(fileURLToPath(import.meta.resolve('@keel/wasm-host/package.json'))),
  'fixtures',
  'components',
  'sql-attacker.wasm',
);

async function runIn(root: string): Promise<void> {
  const filename = join(root, 'guest.sqlite');
  const sql = createSqliteSql({ filename });
  const seed = `CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
    WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10000)
    INSERT INTO users SELECT x, 'user ' || x FROM c`;
  (await sql.executeScript(seed))._unsafeUnwrap();
  const raw = new Database(filename);
  const byId = raw.prepare('SELECT id, name FROM users WHERE id = ?');
  const point = 'SELECT id, name FROM users WHERE id = ?';
  const options = { readOnly: true, deadlineMs: 5000, maxResultBytes: 1 << 20 };
  const sandbox = (await (sql.sandbox as NonNullable<typeof sql.sandbox>)(options))._unsafeUnwrap();

  let i = 0;
  const next = () => (i = (i % 10000) + 1);
  const direct = await compare('guest SQL: one point SELECT by primary key', [
    { name: 'better-sqlite3 prepared get (sync)', fn: () => byId.get(next()) },
    { name: 'adapter sql.query (the direct path)', fn: () => sql.query(point, [next()]) },
    { name: 'sandbox.query (child process, IPC)', fn: () => sandbox.query(point, [next()]) },
  ]);

  const bytes = readFileSync(attacker);
  const memory = createSqliteSql({ filename: ':memory:' });
  (await memory.executeScript(seed))._unsafeUnwrap();
  const onAdapter = createWasmHost({ sql: memory }, { cacheDir: join(root, 'cache'), logger: {} });
  const inSandbox = createWasmHost({ sql }, { cacheDir: join(root, 'cache'), logger: {} });
  const limits = { timeoutMs: 5000 };
  const statements = { byId: point };
  const named = (await onAdapter.load(bytes, { grants: { sql: { statements } }, limits }))._unsafeUnwrap();
  const rawGuest = (await inSandbox.load(bytes, { grants: { sql: 'read-only' }, limits }))._unsafeUnwrap();
  const namedGuest = (await inSandbox.load(bytes, { grants: { sql: { statements } }, limits }))._unsafeUnwrap();
  const guest = await compare('guest SQL through a component (isolated): one call doing one point SELECT', [
    { name: 'named statement on the adapter (no sandbox)', fn: () => named.call('query-text', 'byId', '7') },
    { name: 'raw SQL in the sandbox', fn: () => rawGuest.call('query-text', point, '7') },
    { name: 'named statement in the sandbox', fn: () => namedGuest.call('query-text', 'byId', '7') },
  ]);

  const starts: number[] = [];
  for (let n = 0; n < 5; n++) {
    const t0 = performance.now();
    const s: SqlSandbox = (await (sql.sandbox as NonNullable<typeof sql.sandbox>)(options))._unsafeUnwrap();
    starts.push(performance.now() - t0);
    await s.close();
  }
  starts.sort((a, b) => a - b);

  const us = (opsPerSec: number | undefined) => (opsPerSec ? `${(1e6 / opsPerSec).toFixed(1)} µs` : 'n/a');
  const per = (rows: typeof direct, name: string) => us(rows.find((r) => r.name.startsWith(name))?.opsPerSec);
  console.log('\nSummary:');
  console.log(`- point SELECT, raw better-sqlite3: ${per(direct, 'better-sqlite3')}`);
  console.log(`- point SELECT, adapter (direct path): ${per(direct, 'adapter')}`);
  console.log(`- point SELECT, sandbox (IPC): ${per(direct, 'sandbox')}`);
  console.log(`- guest call, named statement on the adapter: ${per(guest, 'named statement on')}`);
  console.log(`- guest call, raw SQL in the sandbox: ${per(guest, 'raw SQL')}`);
  console.log(`- guest call, named statement in the sandbox: ${per(guest, 'named statement in')}`);
  console.log(`- sandbox start (spawn, open, harden), median of 5: ${starts[2]?.toFixed(0)} ms`);

  await Promise.all([onAdapter.close(), inSandbox.close(), sandbox.close()]);
  raw.close();
  await Promise.all([sql.close(), memory.close()]);
}
