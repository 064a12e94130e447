import { type ResultAsync, rowsToObjects, runInContext } from '@keel/core';
import { expectErr, expectOk } from '@keel/testing';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { type RepositoryError, createAuditLog, createRepository } from '../src/index.js';
import { onDatabases } from './support/databases.js';
import { task, tenantTasks } from './support/definitions.js';

type Tenant = 'acme' | 'globex';
const tenants: Tenant[] = ['acme', 'globex'];
/** Few ids, so that both tenants keep using the same ones. */
const ids = ['a', 'b', 'c'];

const command = fc.record({
  tenant: fc.constantFrom(...tenants),
  op: fc.constantFrom(
    'create',
    'update',
    'delete',
    'restore',
    'purge',
    'findById',
    'findMany',
    'count',
    'versions',
    'audit',
  ),
  id: fc.constantFrom(...ids),
  title: fc.constantFrom('x', 'y', 'z'),
});

onDatabases('tenancy', (db) => {
  it('refuses every operation without a tenant in the context, and runs nothing', async () => {
    const repo = createRepository(db().sql, tenantTasks);
    const created = expectOk(await runInContext({ tenantId: 'acme' }, () => repo.create(task())));
    const attempts: ResultAsync<unknown, RepositoryError>[] = [
      repo.create(task()),
      repo.findById(created.id),
      repo.findMany(),
      repo.count(),
      repo.update(created.id, { title: 'x' }),
      repo.delete(created.id),
      repo.restore(created.id),
      repo.purge(created.id),
      repo.versions(created.id),
      repo.audit(),
      runInContext({ tenantId: '' }, () => repo.findMany()),
    ];
    for (const attempt of attempts) {
      const refused = expectErr(await attempt, 'NO_TENANT');
      expect(refused.message).toContain('runInContext');
    }
    expect(expectOk(await runInContext({ tenantId: 'acme' }, () => repo.findById(created.id)))).toEqual(created);
  });

  it('never lets one tenant see or change the rows of another, whatever the operations (property)', async () => {
    const { sql } = db();
    const repo = createRepository(sql, tenantTasks);
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 30 }), async (commands) => {
        // Per tenant: id → { title, deleted }; the repository must answer as if alone.
        const model = new Map<Tenant, Map<string, { title: string; deleted: boolean }>>(
          tenants.map((t) => [t, new Map()]),
        );
        for (const c of commands) {
          const mine = model.get(c.tenant) as Map<string, { title: string; deleted: boolean }>;
          const entry = mine.get(c.id);
          const live = entry !== undefined && !entry.deleted;
          await runInContext({ tenantId: c.tenant, actor: `${c.tenant}-user` }, async () => {
            switch (c.op) {
              case 'create': {
                const result = await repo.create(task({ id: c.id, slug: `s-${c.id}`, title: c.title }));
                if (entry) expectErr(result, 'DUPLICATE');
                else mine.set(c.id, { title: expectOk(result).title, deleted: false });
                break;
              }
              case 'update': {
                const result = await repo.update(c.id, { title: c.title });
                if (!live) expectErr(result, 'NOT_FOUND');
                else mine.set(c.id, { title: expectOk(result).title, deleted: false });
                break;
              }
              case 'delete': {
                const result = await repo.delete(c.id);
                if (!live) expectErr(result, 'NOT_FOUND');
                else expectOk(result), mine.set(c.id, { ...entry, deleted: true });
                break;
              }
              case 'restore': {
                const result = await repo.restore(c.id);
                if (!entry) expectErr(result, 'NOT_FOUND');
                else expectOk(result), mine.set(c.id, { ...entry, deleted: false });
                break;
              }
              case 'purge': {
                const result = await repo.purge(c.id);
                if (!entry) expectErr(result, 'NOT_FOUND');
                else expectOk(result), mine.delete(c.id);
                break;
              }
              case 'findById': {
                const result = await repo.findById(c.id);
                if (!live) expectErr(result, 'NOT_FOUND');
                else expect(expectOk(result).title).toBe(entry.title);
                break;
              }
              case 'findMany': {
                const page = expectOk(await repo.findMany({ withDeleted: true, limit: 2 }));
                const all = [...page.items];
                if (page.next)
                  all.push(...expectOk(await repo.findMany({ withDeleted: true, limit: 2, after: page.next })).items);
                expect(all.map((t) => [t.id, t.title, t.deletedAt !== undefined])).toEqual(
                  [...mine.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, e]) => [id, e.title, e.deleted]),
                );
                break;
              }
              case 'count':
                expect(expectOk(await repo.count())).toBe([...mine.values()].filter((e) => !e.deleted).length);
                break;
              case 'versions': {
                const versions = expectOk(await repo.versions(c.id));
                if (entry) expect(versions.at(-1)?.entity.title).toBe(entry.title);
                else expect(versions).toEqual([]);
                break;
              }
              case 'audit': {
                const records = expectOk(await repo.audit({ limit: 1000 }));
                expect(records.every((r) => r.tenantId === c.tenant && r.actor === `${c.tenant}-user`)).toBe(true);
                break;
              }
            }
          });
        }
        // Underneath: every row stamped with the tenant that wrote it, and nothing else there.
        const rows = rowsToObjects(
          expectOk(await sql.query('SELECT tenant_id, id, title FROM tenant_tasks ORDER BY tenant_id, id')),
        );
        const expected = tenants.flatMap((t) =>
          [...(model.get(t) as Map<string, { title: string }>).entries()]
            .sort(([a], [b]) => (a < b ? -1 : 1))
            .map(([id, e]) => ({ tenant_id: t, id, title: e.title })),
        );
        expect(rows).toEqual(expected);
        expect((await createAuditLog(sql).query({ tenantId: 'nobody' }))._unsafeUnwrap()).toEqual([]);
        expectOk(
          await sql.executeScript(
            'DELETE FROM tenant_tasks; DELETE FROM keel_repository_audit; DELETE FROM keel_repository_versions',
          ),
        );
      }),
      { numRuns: 12, seed: 42 },
    );
  }, 120_000);
});
