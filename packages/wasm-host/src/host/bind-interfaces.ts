import type { Auth, Blobstore, Email, Messaging } from '@keel/core';
import type { AdapterSource } from './host-adapters.js';
import type { ResolvedGrants } from './grants.js';
import { grantAllows } from './http-grant.js';
import type { Binding, BindingContext, ResourceTable } from '../imports/binding.js';
import type { CursorSeal } from '../imports/cursor-seal.js';
import { authBinding } from '../imports/auth-binding.js';
import type { BlobStreams } from '../imports/blob-streams.js';
import { blobstoreBinding } from '../imports/blobstore-binding.js';
import { deniedBinding } from '../imports/denied-binding.js';
import { emailBinding } from '../imports/email-binding.js';
import { kvBinding } from '../imports/kv-binding.js';
import { logBinding } from '../imports/log-binding.js';
import { messagingBinding } from '../imports/messaging-binding.js';
import { sqlBinding, type HeldTransaction } from '../imports/sql-binding.js';
import type { KvCalls } from '../imports/adapter-calls.js';
import type { SqlServing } from './sql-serving.js';
import type { WorldPlan } from '../world/check-world.js';
import type { WasmMode } from '../wasm-host-options.js';
import { repositoryBinding, type CallContext } from '../repository/repository-binding.js';
import type { ServedRepository } from '../repository/repository-grant.js';
import { REPOSITORY_PACKAGE } from '../repository/repository-interface.js';

/** A binding cannot be made: the interface is granted but nothing here can serve it. */
export class UnservedGrant extends Error {
  override readonly name = 'UnservedGrant';
}

export interface BindContext {
  readonly plan: WorldPlan;
  readonly grants: ResolvedGrants;
  readonly mode: WasmMode;
  readonly adapters: AdapterSource;
  readonly binding: BindingContext;
  readonly transactions: ResourceTable<HeldTransaction>;
  /** The blobstore streams the instance holds (released at the end of each call). */
  readonly blobStreams: BlobStreams;
  readonly seal: CursorSeal;
  /** Where the sql grant is served (see `serveSql`), when the component imports sql and has it. */
  readonly sql: SqlServing | undefined;
  /** The host's repositories by unversioned interface name (`keel:repository/tasks`). */
  readonly repositories: ReadonlyMap<string, ServedRepository>;
  /** The context of the call being served, for repositories' tenant, actor and correlation id. */
  readonly call: CallContext;
  /** The call's time limit: no host call the guest makes may wait longer (a messaging pull). */
  readonly callTimeoutMs: number;
}

/**
 * The host functions for each keel interface the component imports: served by an adapter when
 * granted, refused call by call (`access-denied`) when not. Throws `UnservedGrant` when a grant
 * cannot be honoured: no adapter, no synchronous one in in-thread mode, or an interface this
 * host does not serve to components.
 */
export function bindInterfaces(c: BindContext): Record<string, Binding> {
  const bindings: Record<string, Binding> = {};
  // The adapter a grant names, as the mode calls it: itself isolated (the bridge awaits it),
  // its synchronous facet in-thread (a guest's import cannot wait for a promise).
  const served = (
    short: 'kv' | 'email' | 'auth' | 'messaging' | 'blobstore',
    instance: string | undefined,
  ): unknown => {
    const adapter = c.adapters[short](instance) ?? missingAdapter(c.adapters, short, instance);
    if (c.mode !== 'in-thread') return adapter;
    const sync = (adapter as { sync?: unknown }).sync;
    if (!sync)
      throw new UnservedGrant(
        `in-thread mode needs a synchronous ${short} adapter (${short}.sync); '${adapter.adapter}' is not, so use isolated mode`,
      );
    return sync;
  };
  checkRepositoryGrants(c);
  for (const iface of c.plan.keel) {
    const everything = [
      ...iface.functions,
      ...Object.entries(iface.resources).flatMap(([cls, methods]) => methods.map((m) => `${cls}.${m}`)),
    ];
    const deny = (reason: string) => deniedBinding(iface.short, everything, reason, c.binding);
    if (iface.name.startsWith(`${REPOSITORY_PACKAGE}/`)) {
      const name = iface.name.slice(REPOSITORY_PACKAGE.length + 1);
      const grant = c.grants.repositories[name];
      const served = c.repositories.get(iface.name);
      bindings[iface.short] =
        grant && served
          ? repositoryBinding(served.iface, served.repository, grant, c.binding, c.call, c.mode === 'in-thread')
          : deny(`the repository ${name} is not granted`);
      continue;
    }
    const { kv, sql, email, auth, messaging, blobstore } = c.grants;
    switch (iface.short) {
      case 'kv':
        bindings.kv = kv
          ? kvBinding(served('kv', kv.instance) as KvCalls, kv, c.binding, c.seal)
          : deny('kv is not granted');
        break;
      case 'sql':
        bindings.sql = sql && c.sql ? sqlBinding(c.sql, sql, c.binding, c.transactions) : deny('sql is not granted');
        break;
      case 'email':
        bindings.email = email
          ? emailBinding(served('email', email.instance) as Email, email, c.binding)
          : deny('email is not granted');
        break;
      case 'auth':
        bindings.auth = auth
          ? authBinding(served('auth', undefined) as Auth, everything, c.binding)
          : deny('auth is not granted');
        break;
      case 'messaging':
        bindings.messaging = messaging
          ? messagingBinding(
              served('messaging', messaging.instance) as Messaging,
              {
                ...messaging,
                consumerPrefix: messaging.consumerPrefix ?? defaultConsumerPrefix(c.binding.componentId),
              },
              c.binding,
              c.seal,
              c.callTimeoutMs,
            )
          : deny('messaging is not granted');
        break;
      case 'blobstore':
        bindings.blobstore = blobstore
          ? blobstoreBinding(served('blobstore', blobstore.instance) as Blobstore, blobstore, c.binding, c.blobStreams)
          : deny('blobstore is not granted');
        break;
      case 'log':
        bindings.log = logBinding(c.binding, c.grants.log);
        break;
      default: {
        if ((c.grants as unknown as Record<string, unknown>)[iface.short] === true) {
          throw new UnservedGrant(`this host does not serve ${iface.name} to components yet`);
        }
        bindings[iface.short] = deny(`${iface.short} is not granted`);
      }
    }
  }
  if (c.plan.http) {
    // The sandbox asks `allows` when a guest makes a request (an isolated one through its bridge)
    // and reports refusals to `denied`.
    bindings['wasi:http'] = {
      allows: grantAllows(c.grants.http),
      denied: (scheme: string, authority: string | undefined, counted?: boolean) => {
        c.binding.denied(
          'wasi:http',
          'handle',
          `${scheme}://${authority ?? '(no authority)'} is not on the allow-list`,
          counted,
        );
      },
    };
  }
  return bindings;
}

/**
 * `wasm-<id>-`, the consumer prefix of a messaging grant that names none. Throws `UnservedGrant`
 * for an id that cannot be part of a consumer name (the grant must then name `consumerPrefix`).
 */
function defaultConsumerPrefix(id: string): string {
  if (!/^[A-Za-z0-9_-]{1,35}$/.test(id))
    throw new UnservedGrant(
      `the component id '${id}' cannot name messaging consumers (1 to 35 ASCII letters, digits, '_' and '-'): give grants.messaging.consumerPrefix`,
    );
  return `wasm-${id}-`;
}

/** Throws `UnservedGrant`: the grant names an adapter this host does not have. */
export function missingAdapter(adapters: AdapterSource, iface: string, instance: string | undefined): never {
  const what =
    instance === undefined
      ? `${iface} adapter`
      : `${iface} instance '${instance}'${adapters.keel ? '' : ' (named instances need a Keel app)'}`;
  throw new UnservedGrant(`${iface} is granted but the host has no ${what}`);
}

/**
 * Every repository grant names a repository of the host, and (tenant) a tenant-scoped one; and
 * in-thread, where a guest's import cannot wait for a promise, one the component imports has a
 * synchronous face (`repository.sync`: a synchronous sql such as SQLite, and no events, which
 * are published asynchronously). Throws `UnservedGrant`.
 */
function checkRepositoryGrants(c: BindContext): void {
  for (const [name, grant] of Object.entries(c.grants.repositories)) {
    const served = c.repositories.get(`${REPOSITORY_PACKAGE}/${name}`);
    if (!served) {
      const known = [...c.repositories.values()].map((s) => s.iface.name).join(', ') || 'none';
      throw new UnservedGrant(
        `the repository ${name} is granted but the host has no such repository (repositories: ${known})`,
      );
    }
    if (grant.tenant !== undefined && !served.repository.definition.tenantScoped)
      throw new UnservedGrant(`the repository ${name} is granted a tenant but is not tenant-scoped`);
    if (
      c.mode === 'in-thread' &&
      served.repository.sync === undefined &&
      c.plan.keel.some((i) => i.name === served.iface.qualified)
    )
      throw new UnservedGrant(
        `in-thread mode needs a synchronous repository (repository.sync), and ${name} has none: its sql is not synchronous (SQLite is), or it publishes events, which are asynchronous; load it isolated`,
      );
  }
}
