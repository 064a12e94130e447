import { createMemoryKv } from '@keel/adapter-kv-memory';
import { createSqliteSql } from '@keel/adapter-sqlite';
import { expectOk } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryExecutionLog, createSqlExecutionLog, createWasmHost, type ExecutionRecord } from '../src/index.js';
import { createPostgresSql } from '@keel/adapter-postgres';
import { testPostgres } from '@keel/testing';
import { collectingLogger, fixture, tempDir } from './support/fixtures.js';

const cache = tempDir();
const pg = await testPostgres();
afterAll(async () => {
  cache.remove();
  await pg.server?.cleanup();
});

describe('execution records', () => {
  it('say who ran what, for how long, with which host calls and how it ended', async () => {
    const log = createMemoryExecutionLog();
    const kv = createMemoryKv();
    const host = createWasmHost({ kv }, { cacheDir: cache.dir, logger: {}, executionLog: log, mode: 'in-thread' });
    const c = expectOk(await host.load(fixture('kv-guest').bytes, { id: 'counter', grants: { kv: true } }));
    const before = Date.now();
    expectOk(c.callSync('bump', 'n'));
    expectOk(c.callSync('hammer', 'n', 3));
    const [bump, hammer] = log.records() as [ExecutionRecord, ExecutionRecord];
    expect(bump).toMatchObject({
      component: 'counter',
      hash: c.hash,
      export: 'bump',
      mode: 'in-thread',
      hostCalls: { kv: 1 },
      deniedCalls: 0,
      outcome: 'ok',
      memoryPages: 3,
      stdout: '',
      stderr: '',
      outputTruncated: false,
    });
    expect(bump.error).toBeUndefined();
    expect(bump.startedAt).toBeGreaterThanOrEqual(before - 5);
    expect(bump.durationMs).toBeGreaterThanOrEqual(0);
    expect(hammer.hostCalls).toEqual({ kv: 3 });
    await host.close();
  });

  it('keeps a bounded ring by default', () => {
    const log = createMemoryExecutionLog({ capacity: 3 });
    for (let i = 0; i < 5; i++) log.write({ export: `e${i}` } as ExecutionRecord);
    expect(log.records().map((r) => r.export)).toEqual(['e2', 'e3', 'e4']);
    log.clear();
    expect(log.records()).toEqual([]);
  });

  it('a sql sink stores each record in a table', async () => {
    const sql = createSqliteSql({ filename: ':memory:' });
    const sink = createSqlExecutionLog(sql, { table: 'runs' });
    const host = createWasmHost({}, { cacheDir: cache.dir, logger: {}, executionLog: sink });
    const c = expectOk(await host.load(fixture('trap').bytes, { id: 'trapper' }));
    expectOk(await c.call('count'));
    await c.call('explode');
    await sink.flush();
    const rows = expectOk(
      await sql.query('SELECT component, export, outcome, error_code, host_calls, memory_pages FROM runs ORDER BY id'),
    );
    expect(rows.rows).toEqual([
      ['trapper', 'count', 'ok', null, '{}', 1],
      ['trapper', 'explode', 'error', 'TRAP', '{}', 1],
    ]);
    // query() reads the same rows back as records, newest first, filtered and paged.
    const all = expectOk(await sink.query({ component: 'trapper' }));
    expect(all.items.map((r) => [r.export, r.outcome, r.error?.code])).toEqual([
      ['explode', 'error', 'TRAP'],
      ['count', 'ok', undefined],
    ]);
    expect(all.items[1]).toMatchObject({ component: 'trapper', hash: c.hash, hostCalls: {}, outputTruncated: false });
    expect(expectOk(await sink.query({ outcome: 'ok' })).items.map((r) => r.export)).toEqual(['count']);
    expect(expectOk(await sink.query({ component: 'trap' })).items).toEqual([]);
    const first = expectOk(await sink.query({ limit: 1 }));
    expect(first.cursor).toBe(all.items[0]?.id);
    expect(expectOk(await sink.query({ before: first.cursor, limit: 1 })).items.map((r) => r.export)).toEqual([
      'count',
    ]);
    expect(expectOk(await sink.query({ to: all.items[1]?.startedAt ?? 0 })).items).toEqual([]);
    expect(() => sink.query({ limit: 0 })).toThrow(TypeError);
    await host.close();
    await sql.close();
  });

  it('a sql sink stores and reads records on PostgreSQL too (identity id, epoch ms in BIGINT)', async (ctx) => {
    if (pg.skip) return ctx.skip(pg.skip);
    const sql = createPostgresSql({
      connectionString: await (pg.server as NonNullable<typeof pg.server>).database('exec_log'),
    });
    const sink = createSqlExecutionLog(sql, { table: 'runs' });
    const host = createWasmHost({}, { cacheDir: cache.dir, logger: {}, executionLog: sink });
    const c = expectOk(await host.load(fixture('trap').bytes, { id: 'trapper@1' }));
    expectOk(await c.call('count'));
    await c.call('explode');
    await sink.flush();
    const page = expectOk(await sink.query({ component: 'trapper', limit: 1 }));
    expect(page.items.map((r) => [r.component, r.export, r.outcome, r.error?.code])).toEqual([
      ['trapper@1', 'explode', 'error', 'TRAP'],
    ]);
    expect(page.items[0]?.startedAt).toBeGreaterThan(Date.now() - 60_000);
    const next = expectOk(await sink.query({ component: 'trapper', before: page.cursor }));
    expect(next.items.map((r) => r.export)).toEqual(['count']);
    await host.close();
    await sql.close();
  });

  it('a sql sink adds fuel_used to a table made before it, and stores the fuel a call used', async () => {
    const sql = createSqliteSql({ filename: ':memory:' });
    // The table as the sink made it before fuel existed.
    expectOk(
      await sql.executeScript(`CREATE TABLE runs (id INTEGER PRIMARY KEY, component TEXT NOT NULL, hash TEXT NOT NULL,
        export TEXT NOT NULL, mode TEXT NOT NULL, started_at INTEGER NOT NULL, duration_ms REAL NOT NULL,
        host_calls TEXT NOT NULL, denied_calls INTEGER NOT NULL, outcome TEXT NOT NULL, error_code TEXT,
        error_message TEXT, memory_pages INTEGER, stdout TEXT NOT NULL, stderr TEXT NOT NULL,
        output_truncated INTEGER NOT NULL)`),
    );
    const sink = createSqlExecutionLog(sql, { table: 'runs' });
    const log = createMemoryExecutionLog();
    const both = { write: (r: ExecutionRecord) => (log.write(r), sink.write(r)) };
    const host = createWasmHost({}, { cacheDir: cache.dir, logger: {}, executionLog: both, mode: 'in-thread' });
    const c = expectOk(await host.load(fixture('burn').bytes, { limits: { maxFuel: 1_000_000 } }));
    expectOk(await c.call('work', 100));
    await sink.flush();
    const used = log.records()[0]?.fuelUsed;
    expect(used).toBeGreaterThan(100);
    expect(expectOk(await sql.query('SELECT export, fuel_used FROM runs')).rows).toEqual([['work', used]]);
    await host.close();
    await sql.close();
  });

  it('names the workflow run and step of a callWith call, in both modes, kept by a table made before the columns', async () => {
    const sql = createSqliteSql({ filename: ':memory:' });
    // The table as the sink made it before fuel and workflow runs existed.
    expectOk(
      await sql.executeScript(`CREATE TABLE runs (id INTEGER PRIMARY KEY, component TEXT NOT NULL, hash TEXT NOT NULL,
        export TEXT NOT NULL, mode TEXT NOT NULL, started_at INTEGER NOT NULL, duration_ms REAL NOT NULL,
        host_calls TEXT NOT NULL, denied_calls INTEGER NOT NULL, outcome TEXT NOT NULL, error_code TEXT,
        error_message TEXT, memory_pages INTEGER, stdout TEXT NOT NULL, stderr TEXT NOT NULL,
        output_truncated INTEGER NOT NULL)`),
    );
    const sink = createSqlExecutionLog(sql, { table: 'runs' });
    for (const mode of ['in-thread', 'isolated'] as const) {
      const host = createWasmHost({}, { cacheDir: cache.dir, logger: {}, executionLog: sink, mode });
      const c = expectOk(await host.load(fixture('burn').bytes, { id: `burn-${mode}` }));
      expectOk(await c.callWith({ workflow: { run: `run-${mode}`, step: 'heat' } }, 'work', 10));
      expectOk(await c.call('work', 10));
      // Options of the wrong shape are a programming mistake.
      expect(() => c.callWith({ workflow: { run: '', step: 'x' } }, 'work', 1)).toThrow(TypeError);
      expect(() => c.callWith(null as never, 'work', 1)).toThrow(TypeError);
      await host.close();
    }
    await sink.flush();
    const found = expectOk(await sink.query({ workflowRun: 'run-isolated' })).items;
    expect(found.map((r) => [r.component, r.workflow])).toEqual([
      ['burn-isolated', { run: 'run-isolated', step: 'heat' }],
    ]);
    expect(expectOk(await sink.query({ workflowRun: 'run-in-thread' })).items).toHaveLength(1);
    const all = expectOk(await sink.query({})).items;
    expect(all.map((r) => r.workflow?.run)).toEqual([undefined, 'run-isolated', undefined, 'run-in-thread']);
    await sql.close();
  });

  it('a failing sink loses the record, not the call', async () => {
    const logger = collectingLogger();
    const host = createWasmHost(
      {},
      {
        cacheDir: cache.dir,
        logger,
        executionLog: { write: () => Promise.reject(new Error('disk full')) },
      },
    );
    const c = expectOk(await host.load(fixture('pure').bytes, {}));
    expect(expectOk(await c.call('add', 1, 1))).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(logger.lines.some((l) => l.fields.error === 'disk full')).toBe(true);
    await host.close();
  });
});
