import { join } from 'node:path';
import { createPostgresSql } from '@keel/adapter-postgres';
import { createSqliteSql } from '@keel/adapter-sqlite';
import { createMigrator, errAsync, ok, runInContext, type Sql } from '@keel/core';
import { createRepository, repositoryMigration } from '@keel/repository';
import { expectErr, expectOk, testPostgres, type TestPostgres } from '@keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notes } from '../fixtures/src/notes.js';
import {
  createMemoryExecutionLog,
  createWasmHost,
  type WasmComponent,
  type WasmHost,
  type WasmMode,
} from '../src/index.js';
import { collectingLogger, fixture, tempDir } from './support/fixtures.js';

const cache = tempDir();
afterAll(() => cache.remove());
const guest = fixture('repo-guest');
const pg = await testPostgres();
afterAll(() => pg.server?.cleanup(), 60_000);

const NOTES = 'keel:repository/notes';
const everything = { filters: [], orderBy: [], limit: undefined, cursor: undefined };
const as = <T>(tenantId: string | undefined, fn: () => T) => runInContext({ tenantId, actor: 'ada' }, fn);
/** The guest's `error` case, from a call that failed with it. */
const guestError = (r: { isErr(): boolean }) => {
  const e = expectErr(r as never, 'GUEST_ERROR') as { payload?: { tag: string; val: string } };
  return e.payload as { tag: string; val: string };
};

// In-thread, the host serves the repository's synchronous face (repository.sync), which SQLite has.
const databases: [string, WasmMode, () => Promise<Sql>, string | undefined][] = [
  ['SQLite', 'isolated', async () => createSqliteSql({ filename: join(cache.dir, 'notes.sqlite') }), undefined],
  [
    'PostgreSQL',
    'isolated',
    async () => createPostgresSql({ connectionString: await (pg.server as TestPostgres).database('repo_wit') }),
    pg.skip,
  ],
  [
    'SQLite',
    'in-thread',
    async () => createSqliteSql({ filename: join(cache.dir, 'notes-in-thread.sqlite') }),
    undefined,
  ],
];

describe.each(databases)('a component on a repository (%s, %s)', (_name, mode, open, skip) => {
  let sql: Sql;
  let host: WasmHost;
  const log = createMemoryExecutionLog();
  const logger = collectingLogger();
  const rows = async () =>
    expectOk(await sql.query('SELECT tenant_id, id, title, pinned, version FROM notes ORDER BY tenant_id, id')).rows;
  const load = async (grants: object) =>
    expectOk(await host.load(guest.bytes, { id: 'notes-guest', grants: grants as never }));

  beforeAll(async () => {
    if (skip) return;
    sql = await open();
    expectOk(await createMigrator(sql, { migrations: [repositoryMigration(notes, { version: 1 })] }).up());
    host = createWasmHost(
      { sql },
      { cacheDir: cache.dir, logger, executionLog: log, mode, repositories: { notes: createRepository(sql, notes) } },
    );
  });
  afterAll(async () => {
    await host?.close();
    await sql?.close();
  });

  it.skipIf(skip)(
    "creates, finds, lists, updates and deletes in the caller's tenant, with no SQL in the guest",
    async () => {
      const c = await load({ repositories: { notes: 'read-write' } });
      const created = expectOk(await as('acme', () => c.call('create', { id: 'n1', title: 'First', pinned: false })));
      expect(created).toMatchObject({ id: 'n1', title: 'First', pinned: false, version: 1n });
      expect(typeof (created as { createdAt: unknown }).createdAt).toBe('bigint');
      expectOk(await as('acme', () => c.call('create', { id: 'n2', title: 'Second', pinned: true })));
      // The id is made when left out.
      const made = expectOk(await as('acme', () => c.call('create', { title: 'Third', pinned: true }))) as {
        id: string;
      };
      expect(made.id).toMatch(/^[0-9a-f-]{36}$/);

      expect(expectOk(await as('acme', () => c.call('find-by-id', 'n1')))).toMatchObject({ title: 'First' });
      const pinned = {
        ...everything,
        filters: [{ field: 'pinned', condition: { tag: 'eq', val: { tag: 'boolean', val: true } } }],
      };
      const first = expectOk(
        await as('acme', () =>
          c.call('find-many', { ...pinned, orderBy: [{ field: 'title', descending: false }], limit: 1 }),
        ),
      ) as { items: { title: string }[]; cursor?: string };
      expect(first.items.map((n) => n.title)).toEqual(['Second']);
      const second = expectOk(
        await as('acme', () =>
          c.call('find-many', {
            ...pinned,
            orderBy: [{ field: 'title', descending: false }],
            limit: 1,
            cursor: first.cursor,
          }),
        ),
      ) as { items: { title: string }[]; cursor?: string };
      expect(second.items.map((n) => n.title)).toEqual(['Third']);

      const updated = expectOk(await as('acme', () => c.call('update', 'n1', { title: 'First, edited' }, 1n)));
      expect(updated).toMatchObject({ title: 'First, edited', pinned: false, version: 2n });
      // A stale version is conflict, and changes nothing.
      expect(guestError(await as('acme', () => c.call('update', 'n1', { pinned: true }, 1n))).tag).toBe('conflict');
      expect(expectOk(await as('acme', () => c.call('delete', 'n2', 1n)))).toMatchObject({ id: 'n2' });
      expect(guestError(await as('acme', () => c.call('find-by-id', 'n2'))).tag).toBe('not-found');

      expect((await rows()).filter((r) => r[1] !== made.id)).toEqual([
        ['acme', 'n1', 'First, edited', expect.anything(), 2],
      ]);
      const record = log.records().at(-1);
      expect(record?.hostCalls).toEqual({ [NOTES]: 1 });
      expect(log.records().filter((r) => r.component === 'notes-guest').length).toBeGreaterThanOrEqual(10);
      await c.close();
    },
  );

  it.skipIf(skip)(
    "the guest never chooses the tenant: another tenant's ids are not found, nothing changes",
    async () => {
      const c = await load({ repositories: { notes: 'read-write' } });
      const before = await rows();
      expect(guestError(await as('globex', () => c.call('find-by-id', 'n1'))).tag).toBe('not-found');
      expect(guestError(await as('globex', () => c.call('update', 'n1', { title: 'stolen' }, undefined))).tag).toBe(
        'not-found',
      );
      expect(guestError(await as('globex', () => c.call('delete', 'n1', undefined))).tag).toBe('not-found');
      expect(
        (expectOk(await as('globex', () => c.call('find-many', everything))) as { items: unknown[] }).items,
      ).toEqual([]);
      // Calls to one component queue; each runs for its own caller's tenant.
      const [mine, theirs] = await Promise.all([
        as('acme', () => c.call('find-by-id', 'n1')),
        as('globex', () => c.call('find-by-id', 'n1')),
      ]);
      expect(expectOk(mine)).toMatchObject({ id: 'n1' });
      expect(guestError(theirs).tag).toBe('not-found');
      // A cursor made for one tenant does not open in another.
      const page = expectOk(await as('acme', () => c.call('find-many', { ...everything, limit: 1 }))) as {
        cursor?: string;
      };
      expect(
        guestError(await as('globex', () => c.call('find-many', { ...everything, cursor: page.cursor }))).tag,
      ).toBe('invalid-cursor');
      // Without a tenant in the caller's context, the call is refused (and logged), not run unscoped.
      expect(guestError(await c.call('find-many', everything)).tag).toBe('access-denied');
      expect(logger.lines.some((l) => l.message === 'denied a host call' && l.fields.interface === NOTES)).toBe(true);
      // A fixed tenant in the grant wins over the caller's.
      const pinnedToAcme = await load({ repositories: { notes: { tenant: 'acme' } } });
      expect(expectOk(await as('globex', () => pinnedToAcme.call('find-by-id', 'n1')))).toMatchObject({ id: 'n1' });
      expect(await rows()).toEqual(before);
      await Promise.all([c.close(), pinnedToAcme.close()]);
    },
  );

  it.skipIf(skip)('read-only: writes are access-denied (not traps), counted, and write nothing', async () => {
    const c = await load({ repositories: { notes: 'read' } });
    const before = await rows();
    const attempts = await as('acme', () =>
      Promise.all([
        c.call('create', { id: 'x', title: 'x', pinned: false }),
        c.call('update', 'n1', { title: 'x' }, undefined),
        c.call('delete', 'n1', undefined),
      ]),
    );
    expect(attempts.map((r) => guestError(r).tag)).toEqual(['access-denied', 'access-denied', 'access-denied']);
    expect(log.records().at(-1)?.deniedCalls).toBe(1);
    expect(expectOk(await as('acme', () => c.call('find-by-id', 'n1')))).toMatchObject({ id: 'n1' });
    expect(await rows()).toEqual(before);
    await c.close();
  });

  it.skipIf(skip)('garbage from the guest is a typed error and writes nothing', async () => {
    const c = await load({ repositories: { notes: 'read-write' } });
    const before = await rows();
    const pinnedFilter = { field: 'pinned', condition: { tag: 'eq', val: { tag: 'boolean', val: true } } };
    const call = async (name: string, ...args: unknown[]) => guestError(await as('acme', () => c.call(name, ...args)));
    const tags = [
      (await call('create', { id: 'big', title: 'x'.repeat(100_000), pinned: false })).tag,
      (await call('create', { id: 'empty', title: '', pinned: false })).tag,
      (await call('create', { id: 'n1', title: 'again', pinned: false })).tag,
      (await call('update', 'n1', { title: '\u0000'.repeat(300) }, undefined)).tag,
      (await call('find-many', { ...everything, cursor: 'garbage.garbage' })).tag,
      (
        await call('find-many', {
          ...everything,
          filters: [{ field: 'tenant-id', condition: { tag: 'eq', val: { tag: 'text', val: 'globex' } } }],
        })
      ).tag,
      (await call('find-many', { ...everything, orderBy: [{ field: 'title; DROP TABLE notes', descending: false }] }))
        .tag,
      (
        await call('find-many', {
          ...everything,
          filters: [{ field: 'pinned', condition: { tag: 'eq', val: { tag: 'text', val: '1' } } }],
        })
      ).tag,
      (await call('find-many', { ...everything, limit: 5000 })).tag,
      (await call('find-many', { ...everything, filters: Array(65).fill(pinnedFilter) })).tag,
      (await call('update', 'n1', { title: 'x' }, 2n ** 62n)).tag,
    ];
    expect(tags).toEqual([
      'validation',
      'validation',
      'duplicate',
      'validation',
      'invalid-cursor',
      'unknown-field',
      'unknown-field',
      'invalid-query',
      'invalid-query',
      'invalid-query',
      'conflict',
    ]);
    expect(await rows()).toEqual(before);
    await c.close();
  });
});

describe('repository grants at load', () => {
  const open = () => createSqliteSql({ filename: join(cache.dir, 'grants.sqlite') });

  it('ungranted: every call is access-denied; a grant the host cannot serve is refused at load', async () => {
    const sql = open();
    const host = createWasmHost(
      { sql },
      { cacheDir: cache.dir, repositories: { notes: createRepository(sql, notes) } },
    );
    const c = expectOk(await host.load(guest.bytes));
    expect(guestError(await as('acme', () => c.call('find-by-id', 'n1'))).tag).toBe('access-denied');
    const unknown = expectErr(
      await host.load(guest.bytes, { grants: { repositories: { tasks: 'read' } } }),
      'UNAVAILABLE',
    );
    expect(unknown.message).toContain('no such repository');
    // A host without the repository does not run a component that imports it.
    const bare = createWasmHost({ sql }, { cacheDir: cache.dir });
    const refused = expectErr(await bare.load(guest.bytes), 'NOT_APP_WORLD');
    expect(refused.message).toContain(NOTES);
    await Promise.all([host.close(), bare.close()]);
    await sql.close();
  });

  it('in-thread: a repository without repository.sync (PostgreSQL, or with events) is refused at load', async () => {
    const sql = open();
    // Refused at load, before any statement: the adapter is never connected.
    const postgres = createPostgresSql({ connectionString: 'postgres://127.0.0.1:1/never-opened' });
    const events = { publish: () => errAsync(new Error('never published')) };
    for (const repository of [createRepository(postgres, notes), createRepository(sql, notes, { events })]) {
      const host = createWasmHost({ sql }, { cacheDir: cache.dir, repositories: { notes: repository } });
      const refused = expectErr(
        await host.load(guest.bytes, { mode: 'in-thread', grants: { repositories: { notes: 'read-write' } } }),
        'UNAVAILABLE',
      );
      expect(refused.message).toContain('repository.sync');
      const c: WasmComponent = expectOk(await host.load(guest.bytes, { mode: 'in-thread' }));
      expect(guestError(c.callSync('find-by-id', 'n1')).tag).toBe('access-denied');
      await host.close();
    }
    await Promise.all([sql.close(), postgres.close()]);
  });

  it("in-thread: callSync answers at once in the caller's context; busy while the app holds the connection", async () => {
    const sql = createSqliteSql({ filename: join(cache.dir, 'in-thread-sync.sqlite') });
    expectOk(await createMigrator(sql, { migrations: [repositoryMigration(notes, { version: 1 })] }).up());
    const host = createWasmHost(
      { sql },
      { cacheDir: cache.dir, repositories: { notes: createRepository(sql, notes) } },
    );
    const c = expectOk(
      await host.load(guest.bytes, { mode: 'in-thread', grants: { repositories: { notes: 'read-write' } } }),
    );
    expect(expectOk(as('acme', () => c.callSync('create', { id: 'n1', title: 'Now', pinned: false })))).toMatchObject({
      version: 1n,
    });
    expect(expectOk(as('acme', () => c.callSync('find-by-id', 'n1')))).toMatchObject({ title: 'Now' });
    expect(guestError(as('globex', () => c.callSync('find-by-id', 'n1'))).tag).toBe('not-found');
    // The guest's import never waits for the app: while its transaction holds SQLite, the call is busy.
    await sql.transaction(async () => {
      expect(guestError(as('acme', () => c.callSync('update', 'n1', { title: 'Later' }, undefined))).tag).toBe('busy');
      return ok(undefined);
    });
    expect(expectOk(as('acme', () => c.callSync('find-by-id', 'n1')))).toMatchObject({ title: 'Now', version: 1n });
    await host.close();
    await sql.close();
  });

  it('a grant is data, checked like the others', () => {
    const sql = open();
    const host = createWasmHost(
      { sql },
      { cacheDir: cache.dir, repositories: { notes: createRepository(sql, notes) } },
    );
    expect(() => host.load(guest.bytes, { grants: { repositories: { notes: 'write' as never } } })).toThrow(
      /grants\.repositories\.notes/,
    );
    expect(() => host.load(guest.bytes, { grants: { repositories: { notes: { acces: 'read' } as never } } })).toThrow(
      /acces/,
    );
    void host.close();
    void sql.close();
  });
});
