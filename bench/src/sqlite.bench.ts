import { createSqliteSql } from '@keel/adapter-sqlite';
import { err, type Sql } from '@keel/core';
import { Kysely, SqliteDialect, type SqliteDatabase } from 'kysely';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compare, printTable, type BenchRow } from './harness.js';

interface Schema {
  users: { id: number; name: string; score: number };
  bulk: { id: number; name: string; score: number };
  accounts: { id: number; balance: number };
  ledger: { id: number | undefined; from_id: number; to_id: number; amount: number };
}

// The bench package has no @types/better-sqlite3; these are the few members it uses.
interface RawStatement {
  get(...params: unknown[]): unknown;
  run(...params: unknown[]): unknown;
  raw(on?: boolean): RawStatement;
}
interface RawDatabase {
  prepare(statement: string): RawStatement;
  exec(script: string): void;
  pragma(pragma: string): unknown;
  transaction<A extends unknown[]>(fn: (...args: A) => void): { immediate: (...args: A) => void };
  close(): void;
}
const Database = createRequire(import.meta.url)('better-sqlite3') as new (
  filename: string,
  options?: { timeout?: number },
) => RawDatabase;

const rows = 100_000;
const schema = `
  CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, score INTEGER NOT NULL);
  CREATE TABLE bulk (id INTEGER PRIMARY KEY, name TEXT NOT NULL, score INTEGER NOT NULL);
  CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL);
  CREATE TABLE ledger (id INTEGER PRIMARY KEY, from_id INTEGER NOT NULL, to_id INTEGER NOT NULL, amount INTEGER NOT NULL);
  INSERT INTO users (id, name, score) WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT ${rows}) SELECT x, 'user ' || x, x * 7 FROM c;
  INSERT INTO accounts (id, balance) WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 100) SELECT x, 1000000 FROM c;`;

/** The same pragmas Keel applies by default, so that the engines do the same work. */
function rawDatabase(filename: string): RawDatabase {
  const db = new Database(filename, { timeout: 5000 });
  if (filename !== ':memory:') db.pragma('journal_mode = wal');
  db.pragma('synchronous = normal');
  db.pragma('foreign_keys = on');
  return db;
}

/**
 * Keel's sqlite adapter against raw better-sqlite3 prepared statements (the physical limit)
 * and Kysely on better-sqlite3 (what a user would otherwise pick), each on its own WAL file
 * with the same pragmas, in one run.
 */
export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'keel-bench-sqlite-'));
  const raw = rawDatabase(join(dir, 'raw.db'));
  raw.exec(schema);
  const keel = createSqliteSql({ filename: join(dir, 'keel.db') });
  (await keel.executeScript(schema))._unsafeUnwrap();
  const kyselyDb = rawDatabase(join(dir, 'kysely.db'));
  kyselyDb.exec(schema);
  const kysely = new Kysely<Schema>({
    dialect: new SqliteDialect({ database: kyselyDb as unknown as SqliteDatabase }),
  });
  const memoryRaw = rawDatabase(':memory:');
  memoryRaw.exec(schema);
  const memoryKeel = createSqliteSql({ filename: ':memory:' });
  (await memoryKeel.executeScript(schema))._unsafeUnwrap();

  // Every contender reads the same row before anything is timed (an Err would otherwise count as an op).
  const expected = raw.prepare('SELECT id, name, score FROM users WHERE id = ?').raw(true).get(4242);
  for (const sql of [keel, memoryKeel]) {
    const read = (await sql.query('SELECT id, name, score FROM users WHERE id = ?', [4242]))._unsafeUnwrap().rows[0];
    if (JSON.stringify(read) !== JSON.stringify(expected))
      throw new Error(`keel read ${JSON.stringify(read)}, raw ${JSON.stringify(expected)}`);
  }
  if (
    (await kysely.selectFrom('users').select(['id', 'name', 'score']).where('id', '=', 4242).executeTakeFirst())
      ?.name !== 'user 4242'
  )
    throw new Error('kysely read');

  let i = 0;
  const nextId = () => (i = (i * 7919 + 1) % rows) + 1;
  const select = 'SELECT id, name, score FROM users WHERE id = ?';
  const rawGet = raw.prepare(select);
  const memoryGet = memoryRaw.prepare(select);

  await compare(
    'sqlite: point SELECT by primary key, 100k rows, WAL file',
    [
      { name: 'raw better-sqlite3 .get() (sync)', fn: () => rawGet.get(nextId()) },
      { name: 'raw better-sqlite3 .get() (awaited)', fn: async () => rawGet.get(nextId()) },
      { name: 'keel sql.query', fn: () => keel.query(select, [nextId()]) },
      { name: 'keel sql.sync.query (sync)', fn: () => keel.sync?.query(select, [nextId()]) },
      {
        name: 'kysely selectFrom…executeTakeFirst',
        fn: () =>
          kysely.selectFrom('users').select(['id', 'name', 'score']).where('id', '=', nextId()).executeTakeFirst(),
      },
    ],
    { rounds: 11 },
  );
  await compare(
    'sqlite: point SELECT by primary key, 100k rows, :memory:',
    [
      { name: 'raw better-sqlite3 .get() (sync)', fn: () => memoryGet.get(nextId()) },
      { name: 'raw better-sqlite3 .get() (awaited)', fn: async () => memoryGet.get(nextId()) },
      { name: 'keel sql.query', fn: () => memoryKeel.query(select, [nextId()]) },
    ],
    { rounds: 11 },
  );

  await bulkInsert(raw, keel, kysely);

  let n = rows * 10;
  const insert = 'INSERT INTO bulk (id, name, score) VALUES (?, ?, ?)';
  const rawInsert = raw.prepare(insert);
  await compare('sqlite: single-row INSERT, autocommit, WAL file', [
    { name: 'raw better-sqlite3 .run()', fn: () => rawInsert.run(++n, 'single', n) },
    { name: 'keel sql.execute', fn: () => keel.execute(insert, [++n, 'single', n]) },
    {
      name: 'kysely insertInto…execute',
      fn: () => kysely.insertInto('bulk').values({ id: ++n, name: 'single', score: n }).execute(),
    },
  ]);

  const debit = 'UPDATE accounts SET balance = balance - ? WHERE id = ?';
  const credit = 'UPDATE accounts SET balance = balance + ? WHERE id = ?';
  const record = 'INSERT INTO ledger (from_id, to_id, amount) VALUES (?, ?, ?)';
  const [rawDebit, rawCredit, rawRecord] = [raw.prepare(debit), raw.prepare(credit), raw.prepare(record)];
  const rawTransfer = raw.transaction((from: number, to: number) => {
    rawDebit.run(1, from);
    rawCredit.run(1, to);
    rawRecord.run(from, to, 1);
  }).immediate;
  let t = 0;
  const pair = () => [(t++ % 100) + 1, ((t * 37) % 100) + 1] as const;
  await compare('sqlite: three-statement transaction (debit, credit, ledger row), WAL file', [
    { name: 'raw better-sqlite3 db.transaction().immediate', fn: () => rawTransfer(...pair()) },
    {
      name: 'keel sql.transaction',
      fn: () => {
        const [from, to] = pair();
        return keel.transaction(async (tx) => {
          const debited = await tx.execute(debit, [1, from]);
          if (debited.isErr()) return debited;
          const credited = await tx.execute(credit, [1, to]);
          if (credited.isErr()) return credited;
          return tx.execute(record, [from, to, 1]);
        });
      },
    },
    {
      name: 'kysely transaction().execute',
      fn: () => {
        const [from, to] = pair();
        return kysely.transaction().execute(async (trx) => {
          await trx
            .updateTable('accounts')
            .set((eb) => ({ balance: eb('balance', '-', 1) }))
            .where('id', '=', from)
            .execute();
          await trx
            .updateTable('accounts')
            .set((eb) => ({ balance: eb('balance', '+', 1) }))
            .where('id', '=', to)
            .execute();
          await trx.insertInto('ledger').values({ id: undefined, from_id: from, to_id: to, amount: 1 }).execute();
        });
      },
    },
  ]);

  raw.close();
  memoryRaw.close();
  await keel.close();
  await memoryKeel.close();
  await kysely.destroy();
  rmSync(dir, { recursive: true, force: true });
}

/**
 * 100k INSERTs in one transaction take a few hundred ms each, too long for `compare`'s rounds
 * of 64 calls, so each engine does it five times, interleaved, and the median counts.
 */
async function bulkInsert(raw: RawDatabase, keel: Sql, kysely: Kysely<Schema>): Promise<void> {
  const insert = 'INSERT INTO bulk (id, name, score) VALUES (?, ?, ?)';
  const rawInsert = raw.prepare(insert);
  const cases: { name: string; fn: () => unknown; reset: () => unknown }[] = [
    {
      name: 'raw better-sqlite3 db.transaction() + .run()',
      fn: () =>
        raw
          .transaction(() => {
            for (let k = 1; k <= rows; k++) rawInsert.run(k, 'bulk', k);
          })
          .immediate(),
      reset: () => raw.exec('DELETE FROM bulk'),
    },
    {
      name: 'keel sql.transaction + tx.execute',
      fn: async () =>
        (
          await keel.transaction(async (tx) => {
            for (let k = 1; k <= rows; k++) {
              const inserted = await tx.execute(insert, [k, 'bulk', k]);
              if (inserted.isErr()) return err(inserted.error);
            }
            return tx.query('SELECT 1');
          })
        )._unsafeUnwrap(),
      reset: async () => (await keel.executeScript('DELETE FROM bulk'))._unsafeUnwrap(),
    },
    {
      name: 'kysely transaction + insertInto…execute',
      fn: () =>
        kysely.transaction().execute(async (trx) => {
          for (let k = 1; k <= rows; k++)
            await trx.insertInto('bulk').values({ id: k, name: 'bulk', score: k }).execute();
        }),
      reset: () => kysely.deleteFrom('bulk').execute(),
    },
  ];
  const samples = cases.map(() => [] as number[]);
  for (let round = 0; round < 5; round++) {
    for (const [c, bench] of cases.entries()) {
      await bench.reset();
      const started = performance.now();
      await bench.fn();
      (samples[c] as number[]).push((rows / (performance.now() - started)) * 1000);
    }
  }
  const medians = samples.map((s) => s.sort((a, b) => a - b)[2] as number);
  const table: BenchRow[] = cases.map((c, k) => ({
    name: c.name,
    opsPerSec: medians[k] as number,
    ratio: (medians[0] as number) / (medians[k] as number),
  }));
  printTable('sqlite: 100k INSERTs in one transaction (rows/s), WAL file', table);
  for (const c of cases) await c.reset();
}
