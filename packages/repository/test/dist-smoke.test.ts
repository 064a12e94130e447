import { describeBuiltPackage } from '@keel/testing';

// The built package the way an app gets it: plain `node`, no source condition, so
// `@keel/repository`, `@keel/core` and `@keel/adapter-sqlite` resolve to their `dist`.
const script = `
  import { createMigrator, runInContext } from '@keel/core';
  import { createSqliteSql } from '@keel/adapter-sqlite';
  import { createRepository, createRepositoryMigrator, defineRepository, repositoryMigration } from '@keel/repository';
  import * as v from 'valibot';
  const notes = defineRepository({
    table: 'notes', schema: v.object({ id: v.string(), body: v.pipe(v.string(), v.minLength(1)) }),
    id: 'id', fields: { id: 'text', body: 'text' }, tenantScoped: true, audit: true,
  });
  const sql = createSqliteSql({ filename: ':memory:' });
  (await createRepositoryMigrator(sql).up())._unsafeUnwrap();
  (await createMigrator(sql, { migrations: [repositoryMigration(notes, { version: 1 })] }).up())._unsafeUnwrap();
  const repo = createRepository(sql, notes);
  const out = await runInContext({ tenantId: 't1', actor: 'ada' }, async () => {
    const created = (await repo.create({ id: 'n1', body: 'hello' }))._unsafeUnwrap();
    const invalid = (await repo.create({ id: 'n2', body: '' }))._unsafeUnwrapErr();
    const trail = (await repo.audit())._unsafeUnwrap();
    return { version: created.version, code: invalid.code, name: invalid.name, actors: trail.map((r) => r.actor) };
  });
  const noTenant = (await repo.findById('n1'))._unsafeUnwrapErr().code;
  await sql.close();
  console.log(JSON.stringify({ ...out, noTenant }));`;

describeBuiltPackage({
  folder: new URL('..', import.meta.url),
  script,
  title: 'works from plain node with the built core and adapter',
  expected: {
    version: 1,
    code: 'VALIDATION',
    name: 'RepositoryError',
    actors: ['ada'],
    noTenant: 'NO_TENANT',
  },
});
