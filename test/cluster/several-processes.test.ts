import { createRedisKv } from '@keel/adapter-kv-redis';
import { createPostgresSql } from '@keel/adapter-postgres';
import { createMigrator, type Kv, type Migration, type MigrationReport, type Sql } from '@keel/core';
import { expectOk, testPostgres, testRedis } from '@keel/testing';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppProcess, startApps } from './fixtures/app-cluster.js';

// Four real processes of one app (test/cluster/fixtures/app-process.ts: createKeel with the
// postgres and redis adapters) on one PostgreSQL database and one Redis key prefix. Each test
// has them work at the same time and checks what only holds if the adapters and core are
// correct across processes.
const pg = await testPostgres();
const redis = await testRedis();
const skip = pg.skip ?? redis.skip;
const processes = 4;

const title = `${processes} app processes on one PostgreSQL and one Redis${skip ? ` — skipped: ${skip}` : ''}`;

describe.skipIf(skip)(title, { timeout: 60_000 }, () => {
  let sql: Sql;
  let kv: Kv;
  let apps: AppProcess[] = [];
  const all = <T>(op: string, args: unknown) => Promise.all(apps.map((app) => app.call<T>(op, args)));
  const rows = async (statement: string) => expectOk(await sql.query(statement)).rows;

  beforeAll(async () => {
    const sqlUrl = await pg.server!.database('cluster');
    const kvPrefix = redis.server!.prefix('cluster');
    sql = createPostgresSql({ connectionString: sqlUrl });
    kv = createRedisKv({ url: redis.server!.url, keyPrefix: kvPrefix });
    // Deadlocks are part of the locking bank test; find them in 20 ms rather than the default second.
    expectOk(await sql.execute(`ALTER DATABASE "${new URL(sqlUrl).pathname.slice(1)}" SET deadlock_timeout = '20ms'`));
    expectOk(
      await sql.executeScript(`
        CREATE TABLE lock_log (seq BIGSERIAL PRIMARY KEY, holder TEXT NOT NULL, event TEXT NOT NULL);
        CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance BIGINT NOT NULL);
        CREATE TABLE transfers (id BIGSERIAL PRIMARY KEY, from_id INTEGER NOT NULL, to_id INTEGER NOT NULL, amount BIGINT NOT NULL)`),
    );
    apps = await startApps(processes, { sqlUrl, kvUrl: redis.server!.url, kvPrefix });
  }, 60_000);

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.stop()));
    await sql?.close();
    await kv?.close();
    await pg.server?.cleanup();
    await redis.server?.cleanup();
  }, 60_000);

  it('count every increment of shared counters exactly once', async () => {
    const keys = ['counter:a', 'counter:b', 'counter:c'];
    const times = 150;
    await all('increment', { keys, times, concurrency: 8 });
    for (const key of keys) expect(expectOk(await kv.get(key)), key).toBe(BigInt(processes * times));
  });

  it('admit one holder at a time to a compare-and-swap lock', async () => {
    const rounds = 10;
    const concurrency = 2;
    const reports = await all<{ maxInside: string; contended: number }>('lock', { rounds, concurrency, ttlMs: 60_000 });
    expect(reports.map((r) => r.maxInside)).toEqual(apps.map(() => '1'));
    // The lock was fought over, or this test proved nothing.
    expect(reports.reduce((sum, r) => sum + r.contended, 0)).toBeGreaterThan(0);
    const log = await rows('SELECT holder, event FROM lock_log ORDER BY seq');
    expect(log).toHaveLength(processes * rounds * concurrency * 2);
    for (let i = 0; i < log.length; i += 2) {
      expect([log[i], log[i + 1]], `log rows ${i}, ${i + 1}`).toEqual([
        [log[i]?.[0], 'enter'],
        [log[i]?.[0], 'leave'],
      ]);
    }
    expect(expectOk(await kv.get('inside'))).toBe(0n);
    expect(expectOk(await kv.exists('lock'))).toBe(false);
  });

  describe.each(['locking', 'serializable'] as const)('bank transfers (%s)', (mode) => {
    const accounts = 8;
    const initial = 1000;

    it('never change the total nor overdraw an account', async () => {
      expectOk(await sql.executeScript('DELETE FROM transfers; DELETE FROM accounts'));
      for (let id = 0; id < accounts; id++)
        expectOk(await sql.execute('INSERT INTO accounts (id, balance) VALUES (?, ?)', [id, initial]));
      const outcomes = await all<Record<string, number>>('transfer', {
        accounts,
        transfers: 40,
        concurrency: 3,
        mode,
        retries: 20,
      });
      const moved = outcomes.reduce((sum, o) => sum + (o.moved ?? 0), 0);
      // A transfer still in conflict after its retries is a BUSY Err, which is allowed: nothing moved.
      const allowed = ['moved', 'declined', 'Err BUSY'];
      for (const o of outcomes) expect(Object.keys(o).filter((k) => !allowed.includes(k))).toEqual([]);
      expect(moved).toBeGreaterThan(0);

      const balances = new Map((await rows('SELECT id, balance FROM accounts')).map(([id, b]) => [id, Number(b)]));
      expect([...balances.values()].reduce((a, b) => a + b, 0)).toBe(accounts * initial);
      expect(Math.min(...balances.values())).toBeGreaterThanOrEqual(0);
      // Each account holds what the committed transfers say, so none was lost or applied twice.
      const log = await rows('SELECT from_id, to_id, amount FROM transfers');
      expect(log).toHaveLength(moved);
      const expected = new Map([...balances.keys()].map((id) => [id, initial]));
      for (const [from, to, amount] of log) {
        expected.set(from, (expected.get(from) ?? 0) - Number(amount));
        expected.set(to, (expected.get(to) ?? 0) + Number(amount));
      }
      expect(balances).toEqual(expected);
    });
  });

  it('apply each migration exactly once when every process migrates at the same moment', async () => {
    const versions = [1, 2, 3, 4, 5];
    const migrations: Migration[] = versions.map((v) => ({
      version: v,
      name: `step ${v}`,
      up: `${v === 1 ? 'CREATE TABLE migration_log (version INTEGER NOT NULL);' : ''}
        INSERT INTO migration_log (version) VALUES (${v}); CREATE TABLE step_${v} (id INTEGER)`,
    }));
    // The gate: every process stops reading the migrations table until all four wait on it, so
    // that each starts with the whole set pending and the processes really race.
    expectOk(await createMigrator(sql, { migrations }).status());
    const gate = expectOk(await sql.begin());
    expectOk(await gate.execute('LOCK TABLE keel_migrations IN ACCESS EXCLUSIVE MODE'));
    const reports = all<MigrationReport>('migrate', { migrations });
    let settled = false;
    void reports.finally(() => (settled = true)).catch(() => {});
    // A process that fails instead of waiting ends the wait; its error comes from `await reports`.
    while (!settled && Number((await rows(waitingOnLocks))[0]?.[0]) < processes) await sleep(20);
    expectOk(await gate.commit());

    const done = await reports;
    const ran = done.flatMap((r) => r.ran.map((m) => m.version));
    expect(ran.sort()).toEqual(versions);
    for (const report of done) {
      // What was pending when it started: the gate holds every process before the table, but one
      // may still read it after another applied the first versions, so a suffix of the set.
      const seen = [...report.ran, ...report.skipped].map((m) => m.version).sort();
      expect(seen).toEqual(versions.slice(versions.length - seen.length));
      expect(report.version).toBe(5);
    }
    expect((await rows('SELECT version FROM migration_log ORDER BY version')).flat()).toEqual(versions);
    expect((await rows("SELECT version FROM keel_migrations WHERE scope = 'app' ORDER BY version")).flat()).toEqual(
      versions,
    );
  });

  it('accept a session made in one process in every other, until one of them revokes it', async () => {
    type Answer<T> = { ok: true; value: T } | { ok: false; code: string };
    const auth = <T>(app: AppProcess | undefined, op: string, ...args: unknown[]) =>
      app!.call<Answer<T>>('auth', { op, args });
    const credentials = { email: 'ada@example.com', password: 'lantern harbor violet 1' };
    const [first, second, third] = apps;
    expect(await auth(first, 'register', credentials)).toMatchObject({ ok: true });
    const login = await auth<{ token: string; principal: { sessionId: string; userId: string } }>(
      second,
      'login',
      credentials,
    );
    if (!login.ok) throw new Error(`login failed: ${login.code}`);
    const { token, principal } = login.value;
    for (const app of apps)
      expect(await auth(app, 'verifySession', token), app.name).toEqual({ ok: true, value: principal });
    expect(await auth(third, 'revokeSession', principal.sessionId)).toEqual({ ok: true, value: true });
    for (const app of apps)
      expect(await auth(app, 'verifySession', token), app.name).toEqual({ ok: false, code: 'INVALID_TOKEN' });
  });
});

const waitingOnLocks =
  "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'";
