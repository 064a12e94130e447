import { type ResultAsync, type Sql, errAsync, silentLogger } from '@keel/core';
import { parseOptions } from '@keel/core/adapter';
import { auditLog } from './audit-log.js';
import type { RepositoryDefinition } from './definition-types.js';
import { countEntities, findEntities, findEntity } from './read-operations.js';
import { repositoryContext } from './repository-context.js';
import { quote } from './repository-ddl.js';
import { type RepositoryOptions, repositoryOptions } from './repository-options.js';
import type { RepositoryError } from './repository-errors.js';
import type { EntityVersion, Page, Repository, Stored } from './repository-types.js';
import { tenantOf } from './unit-of-work.js';
import { diffVersions, getVersion, listVersions, revertVersion } from './version-operations.js';
import { createEntity, deleteEntity, purgeEntity, restoreEntity, updateEntity } from './write-operations.js';

/**
 * A repository of one definition on a Keel `sql`: typed operations that validate, scope by
 * tenant, check versions, and write their audit record, snapshot and event in the change's
 * transaction. Its entity table comes from `repositoryMigration(definition)`; the audit and
 * versions tables from `createRepositoryMigrator(sql).up()`.
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
  const log = auditLog(sql, quote(context.tables.audit), context.fail);
  const needs = (flag: 'softDelete' | 'audit', op: string) => {
    if (!definition[flag])
      throw new TypeError(`${definition.entity}.${op}: the repository is defined without ${flag}: true`);
  };
  // The operations work on plain records; the definition's types are given back here.
  const typed = <T>(result: ResultAsync<unknown, RepositoryError>) => result as ResultAsync<T, RepositoryError>;
  type Found = Stored<E>;
  const repository: Repository<E, K, I> = {
    definition,
    create: (entity, opts) => typed<Found>(createEntity(context, entity, opts)),
    findById: (id, opts) => typed<Found>(findEntity(context, id, opts)),
    findMany: (opts) => typed<Page<Found>>(findEntities(context, opts)),
    count: (opts) => countEntities(context, opts),
    update: (id, patch, opts) => typed<Found>(updateEntity(context, 'update', 'update', id, patch, opts)),
    delete: (id, opts) => typed<Found>(deleteEntity(context, id, opts)),
    restore(id, opts) {
      needs('softDelete', 'restore');
      return typed<Found>(restoreEntity(context, id, opts));
    },
    purge: (id, opts) => purgeEntity(context, id, opts),
    version: (id, n, opts) => typed<EntityVersion<E>>(getVersion(context, id, n, opts)),
    versions: (id, opts) => typed<EntityVersion<E>[]>(listVersions(context, id, opts)),
    diff: (id, from, to, opts) => diffVersions(context, id, from, to, opts),
    revert: (id, n, opts) => typed<Found>(revertVersion(context, id, n, opts)),
    audit(query = {}, opts) {
      needs('audit', 'audit');
      const tenant = tenantOf(context, 'audit');
      if (tenant.isErr()) return errAsync(tenant.error);
      return log.query({ ...query, entity: definition.entity, tenantId: tenant.value }, opts);
    },
  };
  return Object.freeze(repository);
}
