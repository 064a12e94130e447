import { currentContext, runInContext, type KeelContext, type Result } from '@keel/core';
import type { Repository, RepositoryError } from '@keel/repository';
import { isThenable, type Binding, type BindingContext } from '../imports/binding.js';
import type { RepositoryGrant } from './repository-grant.js';
import { entityToWit, fieldFromWit, filterValueFromWit, repositoryErrorToWit, witError } from './repository-convert.js';
import type { RepositoryInterface, WitField } from './repository-interface.js';

type AnyRepository = Repository<Record<string, unknown>, string, unknown>;
/** The operations the binding calls, asynchronous (`repository`) or synchronous (`repository.sync`). */
type Facet = Pick<AnyRepository, 'findById' | 'findMany' | 'create' | 'update' | 'delete'>;
type Entity = Record<string, unknown>;

/** The context of the call being served: set around each export call (see `withCallContext`). */
export interface CallContext {
  current: KeelContext | undefined;
}

interface WitQuery {
  readonly filters: readonly { field: string; condition: { tag: string; val: unknown } }[];
  readonly orderBy: readonly { field: string; descending: boolean }[];
  readonly limit?: number;
  readonly cursor?: string;
}

/** More filters than this is refused: each is SQL the database plans. */
const maxFilters = 64;
const operators: Readonly<Record<string, string>> = { eq: 'eq', gt: 'gt', gte: 'gte', lt: 'lt', lte: 'lte' };

/**
 * A generated repository interface for a guest, served by the app's repository. The guest
 * names no table and writes no SQL: it sends records and filters on the entity's fields, which
 * the repository validates, scopes and audits as for any caller. The tenant is the grant's, or
 * the caller's (`runInContext` around `component.call`): the guest never chooses it. A
 * read-only grant refuses `create`, `update` and `delete` with `access-denied`.
 *
 * Isolated, the operations are the repository's, awaited by the bridge, and the caller's context
 * is the one `withCallContext` holds in `call`. In-thread (`sync`), they are `repository.sync`'s,
 * answered before the import returns, in the caller's own context (the guest runs inside `call`).
 */
export function repositoryBinding(
  r: RepositoryInterface,
  repository: AnyRepository,
  grant: RepositoryGrant,
  ctx: BindingContext,
  call: CallContext,
  sync = false,
): Binding {
  const short = r.qualified;
  const tenantScoped = repository.definition.tenantScoped;
  const facet: Facet = sync ? (repository.sync as unknown as Facet) : repository;
  if (!facet) throw new TypeError(`repositoryBinding(${r.name}): the repository has no sync facet`);
  // Each operation runs in the caller's context (actor, correlation id for the audit trail), the
  // grant's tenant over it; a tenant-scoped repository without a tenant is refused, not run.
  const run = <T>(fn: string, op: (on: Facet) => unknown, then: (value: unknown) => T): T | Promise<T> => {
    const caller = sync ? currentContext() : call.current;
    const context: KeelContext = { ...caller, ...(grant.tenant === undefined ? {} : { tenantId: grant.tenant }) };
    if (tenantScoped && !context.tenantId)
      throw ctx.denied(short, fn, 'the repository is tenant-scoped and the call has no tenant (runInContext)');
    const outcome = runInContext(context, () => op(facet)) as
      | Result<unknown, RepositoryError>
      | PromiseLike<Result<unknown, RepositoryError>>;
    if (isThenable(outcome)) return Promise.resolve(outcome).then((result) => then(settled(fn, result)));
    return then(settled(fn, outcome));
  };
  /** The value of an `Ok`; an `Err` thrown as the guest's error case (or `internal`, logged). */
  const settled = (fn: string, result: Result<unknown, RepositoryError>): unknown => {
    if (result.isOk()) return result.value;
    const { error } = result;
    const wit = repositoryErrorToWit(error);
    if (wit) throw wit;
    ctx.logger.error?.(
      { component: ctx.componentId, hash: ctx.hash, interface: short, function: fn, code: error.code, err: error },
      'a repository call failed',
    );
    throw witError('internal', `${error.entity}.${fn}: the repository failed (${error.code})`);
  };
  const writable = (fn: string) => {
    if (grant.access !== 'read-write') throw ctx.denied(short, fn, 'the repository grant is read-only');
  };
  const field = (name: string): WitField => {
    const f = typeof name === 'string' ? r.byWit.get(name) : undefined;
    if (!f) throw witError('unknown-field', `${String(name).slice(0, 64)} is not a field of ${r.record}`);
    return f;
  };
  const id = (value: unknown) => fieldFromWit(r.id, value);
  const stored = (entity: unknown) => entityToWit(r, entity as Entity);

  return {
    findById: (key: unknown) => run('findById', (on) => on.findById(id(key)), stored),
    findMany: (query: WitQuery) => {
      const options = findManyOptions(query);
      return run(
        'findMany',
        (on) => on.findMany(options),
        (page) => {
          const { items, next } = page as { items: Entity[]; next?: string };
          return { items: items.map((e) => entityToWit(r, e)), cursor: next };
        },
      );
    },
    create: (input: Entity) => {
      writable('create');
      const entity: Entity = {};
      for (const f of r.fields) {
        if (f.meta || input[f.name] === undefined) continue;
        entity[f.name] = fieldFromWit(f, input[f.name]);
      }
      return run('create', (on) => on.create(entity), stored);
    },
    update: (key: unknown, patch: Entity & { setNull?: string[] }, expectedVersion: bigint | undefined) => {
      writable('update');
      const changes: Entity = {};
      for (const f of r.fields) {
        if (f.meta || f === r.id || patch[f.name] === undefined) continue;
        changes[f.name] = fieldFromWit(f, patch[f.name]);
      }
      for (const name of patch.setNull ?? []) {
        const f = field(name);
        if (f.meta || f === r.id || !f.optional) throw witError('validation', `${f.wit} cannot be cleared`);
        changes[f.name] = null;
      }
      const options = versionOption(expectedVersion);
      return run('update', (on) => on.update(id(key), changes, options), stored);
    },
    delete: (key: unknown, expectedVersion: bigint | undefined) => {
      writable('delete');
      const options = versionOption(expectedVersion);
      return run('delete', (on) => on.delete(id(key), options), stored);
    },
  };

  function findManyOptions(query: WitQuery) {
    if (query.filters.length > maxFilters)
      throw witError('invalid-query', `at most ${maxFilters} filters, got ${query.filters.length}`);
    const where: Record<string, Record<string, unknown>> = Object.create(null);
    for (const { field: name, condition } of query.filters) {
      const f = field(name);
      const filter = (where[f.name] ??= {});
      const operator = condition.tag === 'in' || condition.tag === 'prefix' ? condition.tag : operators[condition.tag];
      if (operator === undefined || operator in filter)
        throw witError('invalid-query', `${f.wit}: give each condition once (${condition.tag})`);
      filter[operator] =
        operator === 'prefix'
          ? condition.val
          : operator === 'in'
            ? (condition.val as { tag: string; val?: unknown }[]).map((v) => filterValueFromWit(f, v))
            : filterValueFromWit(f, condition.val as { tag: string; val?: unknown });
    }
    return {
      where: { ...where },
      orderBy: query.orderBy.map((k) => ({ field: field(k.field).name, direction: k.descending ? 'desc' : 'asc' })),
      ...(query.limit === undefined ? {} : { limit: query.limit }),
      ...(query.cursor === undefined ? {} : { after: query.cursor }),
    } as Parameters<AnyRepository['findMany']>[0];
  }
}

/** `expected-version` as the repository's option; one beyond a safe integer can match no version. */
function versionOption(expected: bigint | undefined) {
  if (expected === undefined) return {};
  const n = Number(expected);
  if (!Number.isSafeInteger(n)) throw witError('conflict', `expected version ${expected} is not a stored version`);
  return { expectedVersion: n };
}
