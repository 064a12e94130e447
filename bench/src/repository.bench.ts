import { createPostgresSql } from '@keel/adapter-postgres';
import { createSqliteSql } from '@keel/adapter-sqlite';
import { createMigrator, ok, type ResultAsync, type Sql, type SqlValue } from '@keel/core';
import {
  createRepository,
  createRepositoryMigrator,
  defineRepository,
  type Repository,
  repositoryMigration,
} from '@keel/repository';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import * as v from 'valibot';
import { type BenchCase, type BenchRow, compare, roundTripRounds } from './harness.js';

// The bench package has no @types/better-sqlite3; these are the few members it uses.
interface RawStatement {
  get(...params: unknown[]): unknown;
  run(...params: unknown[]): unknown;
  raw(on?: boolean): RawStatement;
}
interface RawDatabase {
  prepare(statement: string): RawStatement;
  pragma(pragma: string): unknown;
  close(): void;
}
const Database = createRequire(import.meta.url)('better-sqlite3') as new (filename: string) => RawDatabase;

const Item = v.object({
  id: v.string(),
  title: v.pipe(v.string(), v.minLength(1)),
  done: v.boolean(),
  points: v.pipe(v.number(), v.integer()),
  tags: v.array(v.string()),
});
type Item = v.InferOutput<typeof Item>;
const fields = { id: 'text', title: 'text', done: 'boolean', points: 'integer', tags: 'json' } as const;
const definitions = {
  plain: defineRepository({ table: 'items_plain', schema: Item, id: 'id', fields }),
  audit: defineRepository({ table: 'items_audit', schema: Item, id: 'id', fields, audit: true }),
  full: defineRepository({ table: 'items_full', schema: Item, id: 'id', fields, audit: true, versions: true }),
};
const rows = 10_000;

// The statements the repository runs for a definition without audit: raw contenders run them too.
const select =
  'SELECT "id", "title", "done", "points", "tags", "version", "created_at", "updated_at" FROM "items_plain" WHERE "id" = ?';
const update =
  'UPDATE "items_plain" SET "points" = ?, "version" = ?, "updated_at" = ? WHERE "id" = ? AND "version" = ?';
// And what an audited update adds: its transaction and the audit record.
const selectAudited = select.replace('items_plain', 'items_audit');
const updateAudited = update.replace('items_plain', 'items_audit');
const insertAudit =
  'INSERT INTO "keel_repository_audit" ("entity", "entity_id", "tenant_id", "operation", "version", "changes", "actor", "correlation_id", "at") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)';

const unwrap = async <T, E>(r: ResultAsync<T, E>): Promise<T> => {
  const result = await r;
  if (result.isErr()) throw result.error;
  return result.value;
};

/** The raw driver's two operations, in its own idiom. */
interface RawDriver {
  readonly name: string;
  findById(id: string): Promise<unknown> | unknown;
  update(id: string, points: number): Promise<unknown> | unknown;
}

/** Migrates and fills the three tables (10k rows each) through the repositories themselves. */
async function prepare(sql: Sql): Promise<Record<keyof typeof definitions, Repository<Item, 'id'>>> {
  await unwrap(createRepositoryMigrator(sql).up());
  const migrations = Object.values(definitions).map((d, i) => repositoryMigration(d, { version: i + 1 }));
  await unwrap(createMigrator(sql, { migrations }).up());
  const repos = {
    plain: createRepository(sql, definitions.plain),
    audit: createRepository(sql, definitions.audit),
    full: createRepository(sql, definitions.full),
  };
  for (const repo of [repos.plain, repos.audit, repos.full]) {
    await unwrap(
      sql.transaction(async (tx) => {
        for (let i = 0; i < rows; i++)
          await unwrap(
            repo.create({ id: `item-${i}`, title: `Item ${i}`, done: false, points: i, tags: ['a'] }, { tx }),
          );
        return ok(undefined);
      }),
    );
  }
  return repos;
}

async function bench(label: string, sql: Sql, makeRaw: () => RawDriver, clock: 'wall' | 'cpu'): Promise<void> {
  const repos = await prepare(sql);
  const raw = makeRaw();
  let i = 0;
  const nextId = () => `item-${(i = (i * 7919 + 1) % rows)}`;
  let points = rows;
  const keelUpdate = async (id: string) => {
    const found = await unwrap(sql.query(select, [id]));
    const version = (found.rows[0] as SqlValue[])[5] as number;
    const done = await unwrap(sql.execute(update, [++points, version + 1, new Date().toISOString(), id, version]));
    if (done.rowsAffected !== 1) throw new Error('raced');
  };
  // The statements of an audited update, in one transaction, by hand (the row lock as the repository takes it).
  const lock = sql.capabilities.dialect === 'postgres' ? ' FOR UPDATE' : '';
  const keelAuditedUpdate = (id: string) =>
    unwrap(
      sql.transaction(async (tx) => {
        const found = await unwrap(tx.query(selectAudited + lock, [id]));
        const row = found.rows[0] as SqlValue[];
        const version = row[5] as number;
        const at = new Date().toISOString();
        const next = ++points;
        await unwrap(tx.execute(updateAudited, [next, version + 1, at, id, version]));
        const changes = JSON.stringify({ points: { old: row[3], new: next } });
        await unwrap(tx.execute(insertAudit, ['items_audit', id, '', 'update', version + 1, changes, null, null, at]));
        return ok(undefined);
      }),
    );
  const reads: BenchCase[] = [
    { name: raw.name, fn: () => raw.findById(nextId()) },
    { name: 'keel sql.query (same statement)', fn: () => unwrap(sql.query(select, [nextId()])) },
    { name: 'repository.findById', fn: () => unwrap(repos.plain.findById(nextId())) },
  ];
  // On a synchronous sql (SQLite): the same operations answered at once (what an in-thread component's import runs).
  const now = repos.plain.sync;
  if (now) reads.push({ name: 'repository.sync.findById', fn: () => now.findById(nextId())._unsafeUnwrap() });
  const writes: BenchCase[] = [
    { name: raw.name, fn: () => raw.update(nextId(), ++points) },
    { name: 'keel sql (same SELECT + UPDATE)', fn: () => keelUpdate(nextId()) },
    { name: 'repository.update, audit off', fn: () => unwrap(repos.plain.update(nextId(), { points: ++points })) },
    { name: 'keel sql.transaction (same statements as audit on)', fn: () => keelAuditedUpdate(nextId()) },
    { name: 'repository.update, audit on', fn: () => unwrap(repos.audit.update(nextId(), { points: ++points })) },
    {
      name: 'repository.update, audit + versions',
      fn: () => unwrap(repos.full.update(nextId(), { points: ++points })),
    },
  ];

  const options =
    clock === 'wall' ? { ...roundTripRounds, clock } : { rounds: 15, roundMs: 120, checkEvery: 16, clock };
  summarize(await compare(`${label}: findById, ${rows} rows`, reads, options));
  summarize(await compare(`${label}: update one field (read, validate, conditional write)`, writes, options));
  const sync = sql.sync;
  if (!now || !sync) return;
  // A table of its own: the harness probes its cases together, and a synchronous call while an
  // asynchronous transaction holds the connection is BUSY.
  const syncUpdate = (id: string) => {
    const found = sync.query(select, [id])._unsafeUnwrap();
    const version = (found.rows[0] as SqlValue[])[5] as number;
    const done = sync.execute(update, [++points, version + 1, new Date().toISOString(), id, version])._unsafeUnwrap();
    if (done.rowsAffected !== 1) throw new Error('raced');
  };
  const syncWrites: BenchCase[] = [
    { name: raw.name, fn: () => raw.update(nextId(), ++points) },
    { name: 'keel sql.sync (same SELECT + UPDATE)', fn: () => syncUpdate(nextId()) },
    { name: 'repository.sync.update, audit off', fn: () => now.update(nextId(), { points: ++points })._unsafeUnwrap() },
  ];
  summarize(await compare(`${label}: update one field, synchronously`, syncWrites, options));
}

/** The goal is against raw keel.sql (the second row), not the driver. */
function summarize(table: readonly BenchRow[]): void {
  const keel = table[1] as BenchRow;
  for (const row of table.slice(2))
    console.log(`  ${row.name}: ${(keel.opsPerSec / row.opsPerSec).toFixed(2)}× the time of raw keel.sql`);
}

/**
 * The repository against the same statements through raw `keel.sql` and through the raw driver
 * (better-sqlite3 prepared statements; node-postgres), on SQLite (WAL file) and PostgreSQL, and
 * the cost of audit and versions on an update. SQLite runs in this process, so its rounds are
 * timed in CPU time (a busy machine disturbs them less); PostgreSQL's work is in the server, so
 * its rounds are wall time.
 */
export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'keel-bench-repository-'));
  const file = join(dir, 'repository.db');
  const sqlite = createSqliteSql({ filename: file });
  const rawSqlite = new Database(file);
  rawSqlite.pragma('journal_mode = wal');
  rawSqlite.pragma('synchronous = normal');
  try {
    // Prepared once the tables exist (the repository's migrations make them).
    await bench(
      'sqlite (WAL file)',
      sqlite,
      () => {
        const rawSelect = rawSqlite.prepare(select).raw(true);
        const rawUpdate = rawSqlite.prepare(update);
        return {
          name: 'raw better-sqlite3 (prepared, sync)',
          findById: (id) => rawSelect.get(id),
          update(id, points) {
            const row = rawSelect.get(id) as unknown[];
            const version = row[5] as number;
            rawUpdate.run(points, version + 1, new Date().toISOString(), id, version);
          },
        };
      },
      'cpu',
    );
  } finally {
    rawSqlite.close();
    await sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  }

  const server = process.env.KEEL_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const name = `keel_bench_repository_${process.pid}`;
  const psql = (statement: string) => execFileSync('psql', [server, '-qAt', '-v', 'ON_ERROR_STOP=1', '-c', statement]);
  psql(`CREATE DATABASE ${name}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  const postgres = createPostgresSql({ connectionString: url.toString(), poolSize: 4 });
  const pool = new pg.Pool({ connectionString: url.toString(), max: 4 });
  const pgSelect = select.replace('?', '$1');
  const pgUpdate = update.replace(/\?/g, (_, offset: number) => `$${update.slice(0, offset).split('?').length}`);
  try {
    await bench(
      'postgres',
      postgres,
      () => ({
        name: 'raw pg 8 (Pool.query)',
        findById: (id) => pool.query({ text: pgSelect, values: [id], rowMode: 'array' }),
        async update(id, points) {
          const found = await pool.query({ text: pgSelect, values: [id], rowMode: 'array' });
          const version = Number((found.rows[0] as unknown[])[5]);
          await pool.query(pgUpdate, [points, version + 1, new Date().toISOString(), id, version]);
        },
      }),
      'wall',
    );
  } finally {
    await pool.end();
    await postgres.close();
    psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}
