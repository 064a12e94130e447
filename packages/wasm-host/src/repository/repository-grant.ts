import { oneOf, option, text } from '@keel/core/adapter';
import type { Repository, RepositoryDefinition } from '@keel/repository';
import * as v from 'valibot';
import type { InterfaceDeclarations } from '../world/dts-declarations.js';
import { repositoryDeclarations } from './repository-declarations.js';
import { repositoryInterface, type RepositoryInterface } from './repository-interface.js';

/** How a component may use one repository. */
export interface RepositoryGrant {
  /** `read`: `find-by-id` and `find-many`; `read-write` also `create`, `update`, `delete`. @default 'read' */
  readonly access: 'read' | 'read-write';
  /** The tenant every call is limited to; without it, the caller's (`runInContext` around `component.call`). */
  readonly tenant: string | undefined;
}

const access = oneOf(['read', 'read-write']);
const message = "expected true, 'read', 'read-write' or { access?, tenant? }";

/** One repository's grant: `true` (read), `'read'`, `'read-write'` or `{ access?, tenant? }`. */
const repositoryGrant = v.pipe(
  v.lazy(
    (input): v.GenericSchema =>
      typeof input === 'object' && input !== null && !Array.isArray(input)
        ? v.strictObject(
            {
              access: option(access, { default: 'read', description: 'What the component may do.' }),
              tenant: option(text(), {
                defaultText: "the caller's tenant",
                description: 'A fixed tenant for a tenant-scoped repository.',
              }),
            },
            message,
          )
        : v.union([v.literal(true, message), access], message),
  ),
  v.transform((grant): RepositoryGrant => {
    if (grant === true) return { access: 'read', tenant: undefined };
    if (typeof grant === 'string') return { access: grant as RepositoryGrant['access'], tenant: undefined };
    const g = grant as { access: RepositoryGrant['access']; tenant?: string };
    return { access: g.access, tenant: g.tenant };
  }),
);

/** The `repositories` grant: per interface name (the key of the host's `repositories`). */
export const repositoryGrants = v.record(text(), repositoryGrant, 'expected an object of repository grants');

type AnyRepository = Repository<Record<string, unknown>, string, unknown>;

/** What the host's `repositories` option takes: any repository from `createRepository`, whatever its entity. */
export interface ServableRepository {
  readonly definition: RepositoryDefinition<object, string, unknown>;
  findById(...args: never[]): unknown;
  findMany(...args: never[]): unknown;
  create(...args: never[]): unknown;
  update(...args: never[]): unknown;
  delete(...args: never[]): unknown;
}

/** A repository the host serves: its interface, and the declarations a component's import must match. */
export interface ServedRepository {
  readonly repository: AnyRepository;
  readonly iface: RepositoryInterface;
  readonly declarations: InterfaceDeclarations;
}

/**
 * The host's `repositories` option, checked once: each key is the interface name a component
 * imports (`keel:repository/<key>`). A key that is not a WIT name, or a definition whose fields
 * cannot cross, throws a `TypeError` naming it.
 */
export function servedRepositories(
  repositories: Readonly<Record<string, ServableRepository>> | undefined,
): ReadonlyMap<string, ServedRepository> {
  const served = new Map<string, ServedRepository>();
  for (const [name, repository] of Object.entries(repositories ?? {})) {
    const definition = repository?.definition;
    if (typeof definition?.table !== 'string')
      throw new TypeError(`createWasmHost: repositories.${name} must be a repository from createRepository`);
    const iface = repositoryInterface(definition, { interface: name });
    served.set(iface.qualified, {
      repository: repository as unknown as AnyRepository,
      iface,
      declarations: repositoryDeclarations(iface),
    });
  }
  return served;
}
