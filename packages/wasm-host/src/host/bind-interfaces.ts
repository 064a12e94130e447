import type { AdapterSource } from './host-adapters.js';
import type { ResolvedGrants } from './grants.js';
import type { Binding, BindingContext, ResourceTable } from '../imports/binding.js';
import type { CursorSeal } from '../imports/cursor-seal.js';
import { authBinding } from '../imports/auth-binding.js';
import { deniedBinding } from '../imports/denied-binding.js';
import { emailBinding } from '../imports/email-binding.js';
import { kvBinding } from '../imports/kv-binding.js';
import { logBinding } from '../imports/log-binding.js';
import { sqlBinding, type HeldTransaction } from '../imports/sql-binding.js';
import type { KvCalls, SqlCalls } from '../imports/adapter-calls.js';
import type { WorldPlan } from '../world/check-world.js';
import type { WasmMode } from '../wasm-host-options.js';

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
  readonly seal: CursorSeal;
}

/**
 * The host functions for each keel interface the component imports: served by an adapter when
 * granted, refused call by call (`access-denied`) when not. Throws `UnservedGrant` when a grant
 * cannot be honoured: no adapter, no synchronous one in in-thread mode, or an interface this
 * host does not serve to components.
 */
export function bindInterfaces(c: BindContext): Record<string, Binding> {
  const bindings: Record<string, Binding> = {};
  for (const iface of c.plan.keel) {
    const everything = [...iface.functions, ...Object.entries(iface.resources).flatMap(([cls, methods]) => methods.map((m) => `${cls}.${m}`))];
    const deny = (reason: string) => deniedBinding(iface.short, everything, reason, c.binding);
    switch (iface.short) {
      case 'kv': {
        const grant = c.grants.kv;
        if (!grant) {
          bindings.kv = deny('kv is not granted');
          break;
        }
        const kv = c.adapters.kv(grant.instance) ?? missing(c.adapters, 'kv', grant.instance);
        const calls = c.mode === 'in-thread' ? kv.sync : kv;
        if (!calls) throw new UnservedGrant(`in-thread mode needs a synchronous kv adapter (kv.sync); '${kv.adapter}' is not, so use isolated mode`);
        bindings.kv = kvBinding(calls as KvCalls, grant, c.binding, c.seal);
        break;
      }
      case 'sql': {
        const grant = c.grants.sql;
        if (!grant) {
          bindings.sql = deny('sql is not granted');
          break;
        }
        const sql = c.adapters.sql(grant.instance) ?? missing(c.adapters, 'sql', grant.instance);
        const calls = c.mode === 'in-thread' ? sql.sync : sql;
        if (!calls) throw new UnservedGrant(`in-thread mode needs a synchronous sql adapter (sql.sync); '${sql.adapter}' is not, so use isolated mode`);
        bindings.sql = sqlBinding(calls as unknown as SqlCalls, grant, c.binding, c.transactions);
        break;
      }
      case 'email': {
        const grant = c.grants.email;
        if (!grant) {
          bindings.email = deny('email is not granted');
          break;
        }
        const email = c.adapters.email(grant.instance) ?? missing(c.adapters, 'email', grant.instance);
        if (c.mode === 'in-thread') throw new UnservedGrant('email delivery is asynchronous, so in-thread mode cannot serve it; use isolated mode');
        bindings.email = emailBinding(email, grant, c.binding);
        break;
      }
      case 'auth': {
        if (!c.grants.auth) {
          bindings.auth = deny('auth is not granted');
          break;
        }
        const auth = c.adapters.auth(undefined) ?? missing(c.adapters, 'auth', undefined);
        if (c.mode === 'in-thread') throw new UnservedGrant('auth answers asynchronously, so in-thread mode cannot serve it; use isolated mode');
        bindings.auth = authBinding(auth, everything, c.binding);
        break;
      }
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
    // The allow-list is checked where the request is made (the sandbox); refusals are reported here.
    bindings['wasi:http'] = {
      denied: (scheme: string, authority: string | undefined, counted?: boolean) => {
        c.binding.denied('wasi:http', 'handle', `${scheme}://${authority ?? '(no authority)'} is not on the allow-list`, counted);
      },
    };
  }
  return bindings;
}

function missing(adapters: AdapterSource, iface: string, instance: string | undefined): never {
  const what =
    instance === undefined ? `a ${iface} adapter` : `the ${iface} instance '${instance}'${adapters.keel ? '' : ' (named instances need a Keel app)'}`;
  throw new UnservedGrant(`${iface} is granted but the host has no ${what}`);
}
