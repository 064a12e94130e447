import { type Sql, err, silentLogger } from '@keel/core';
import { parseOptions } from '@keel/core/adapter';
import { auditRecords } from './audit-log.js';
import type { RepositoryDefinition } from './definition-types.js';
import { countEntities, findEntities, findEntity, findEntityQuery } from './read-operations.js';
import type { Program } from './operation-steps.js';
import { type RepositoryContext, repositoryContext } from './repository-context.js';
import { quote } from './repository-ddl.js';
import { type RepositoryOptions, repositoryOptions } from './repository-options.js';
import type { AuditQuery, Repository } from './repository-types.js';
import { runAsync, runQueryAsync } from './run-async.js';
import { type SyncPlace, runQuerySync, runSync } from './run-sync.js';
import { tenantOf } from './unit-of-work.js';
import { diffVersions, getVersion, listVersions, revertVersion } from './version-operations.js';
import { createEntity, deleteEntity, purgeEntity, restoreEntity, updateEntity } from './write-operations.js';

/**
 * A repository of one definition on a Keel `sql`: typed operations that validate, scope by
 * tenant, check versions, and write their audit record, snapshot and event in the change's
 * transaction. Its entity table comes from `repositoryMigration(definition)`; the audit and
 * versions tables from `createRepositoryMigrator(sql).up()`. On a synchronous sql (SQLite) and
 * without events it also has `repository.sync`: the same operations, answered at once.
 *
 * @example
 * const taskRepo = createRepository(keel.sql, tasks, { events });
 * const created = await runInContext({ tenantId: 'acme', actor: 'ada' }, () =>
 *   taskRepo.create({ title: 'Write the report', done: false }),
 * );
 */
export function createRepository<E extends object, K extends keyof E & string, I>(
  sql: Sql,
  definition: RepositoryDefinition<E, K, I>,
  options?: RepositoryOptions,
): Repository<E, K, I> {
  const where = `createRepository(${definition?.table})`;
  if (typeof sql?.query !== 'function' || typeof sql.transaction !== 'function')
    throw new TypeError(`${where}: sql must be a Keel Sql (keel.sql)`);
  if (typeof definition?.schema?.['~standard'] !== 'object' || !Array.isArray(definition.metaFields))
    throw new TypeError(`${where}: definition must come from defineRepository`);
  const o = parseOptions(repositoryOptions, options, where);
  const context = repositoryContext(sql, definition as unknown as RepositoryDefinition<object, string, unknown>, {
    events: o.events,
    tablePrefix: o.tablePrefix,
    clock: o.clock,
    cursorSecret: o.cursorSecret,
    logger: o.logger ?? silentLogger,
  });
  const programs = operations(context);
  // Events are published asynchronously: a repository that publishes them has no synchronous face.
  const syncPlace: SyncPlace | undefined =
    sql.capabilities.synchronous && sql.sync !== undefined && o.events === undefined
      ? { sync: sql.sync, savepoints: sql.capabilities.savepoints, fail: context.fail, keys: context.keys }
      : undefined;
  const repository = {
    definition,
    ...facet(
      programs,
      (program) => runAsync(context, program),
      (one) => runQueryAsync(context, one),
    ),
    ...(syncPlace
      ? {
          sync: Object.freeze(
            facet(
              programs,
              (program) => runSync(syncPlace, program),
              (one) => runQuerySync(syncPlace, one),
            ),
          ),
        }
      : {}),
  };
  return Object.freeze(repository) as unknown as Repository<E, K, I>;
}

type Options = { readonly tx?: unknown } | undefined;
type Read = (Options & { readonly withDeleted?: boolean }) | undefined;
type Write = (Options & { readonly expectedVersion?: number }) | undefined;

/** The program of each operation, by name: what both facets run. */
function operations(context: RepositoryContext) {
  const { definition } = context;
  const needs = (flag: 'softDelete' | 'audit', op: string) => {
    if (!definition[flag])
      throw new TypeError(`${definition.entity}.${op}: the repository is defined without ${flag}: true`);
  };
  return {
    create: (entity: unknown, opts: Options) => createEntity(context, entity, opts),
    findById: (id: unknown, opts: Read) => findEntity(context, id, opts),
    findByIdQuery: (id: unknown, opts: Read) => findEntityQuery(context, id, opts),
    findMany: (opts: Parameters<typeof findEntities>[1]) => findEntities(context, opts),
    count: (opts: Parameters<typeof countEntities>[1]) => countEntities(context, opts),
    update: (id: unknown, patch: unknown, opts: Write) => updateEntity(context, 'update', 'update', id, patch, opts),
    delete: (id: unknown, opts: Write) => deleteEntity(context, id, opts),
    restore(id: unknown, opts: Write) {
      needs('softDelete', 'restore');
      return restoreEntity(context, id, opts);
    },
    purge: (id: unknown, opts: Write) => purgeEntity(context, id, opts),
    version: (id: unknown, n: number, opts: Options) => getVersion(context, id, n, opts),
    versions: (id: unknown, opts: Options) => listVersions(context, id, opts),
    diff: (id: unknown, from: number, to: number, opts: Options) => diffVersions(context, id, from, to, opts),
    revert: (id: unknown, n: number, opts: Write) => revertVersion(context, id, n, opts),
    audit(query: AuditQuery = {}, opts: Options) {
      needs('audit', 'audit');
      return entityAudit(context, query, opts?.tx);
    },
  };
}

type Programs = ReturnType<typeof operations>;

/**
 * The operations of one facet: each program given to `run` (the asynchronous or the synchronous
 * runner), and `findById` outside a transaction, one query, to `runOne`. Written out, one function
 * per operation, not made in a loop: a call site that sees one function stays fast, and
 * `findById` is the hot path.
 */
function facet<R>(
  p: Programs,
  run: (program: Program<unknown>) => R,
  runOne: (one: ReturnType<Programs['findByIdQuery']>) => R,
) {
  return {
    create: (entity: unknown, opts: Options) => run(p.create(entity, opts)),
    findById: (id: unknown, opts: Read) =>
      opts?.tx === undefined ? runOne(p.findByIdQuery(id, opts)) : run(p.findById(id, opts)),
    findMany: (opts: Parameters<typeof findEntities>[1]) => run(p.findMany(opts)),
    count: (opts: Parameters<typeof countEntities>[1]) => run(p.count(opts)),
    update: (id: unknown, patch: unknown, opts: Write) => run(p.update(id, patch, opts)),
    delete: (id: unknown, opts: Write) => run(p.delete(id, opts)),
    restore: (id: unknown, opts: Write) => run(p.restore(id, opts)),
    purge: (id: unknown, opts: Write) => run(p.purge(id, opts)),
    version: (id: unknown, n: number, opts: Options) => run(p.version(id, n, opts)),
    versions: (id: unknown, opts: Options) => run(p.versions(id, opts)),
    diff: (id: unknown, from: number, to: number, opts: Options) => run(p.diff(id, from, to, opts)),
    revert: (id: unknown, n: number, opts: Write) => run(p.revert(id, n, opts)),
    audit: (query: AuditQuery | undefined, opts: Options) => run(p.audit(query, opts)),
  };
}

/** This entity's audit records in the current tenant. */
function* entityAudit(context: RepositoryContext, query: AuditQuery, tx: unknown) {
  const tenant = tenantOf(context, 'audit');
  if (tenant.isErr()) return err(tenant.error);
  const table = quote(context.tables.audit);
  const scoped = { ...query, entity: context.definition.entity, tenantId: tenant.value };
  return yield* auditRecords(table, context.fail, scoped, tx);
}
