import type { KeyObject } from 'node:crypto';
import { type Result, ResultAsync, type Sql, err, ok } from '@keel/core';
import type { CallOptions, WasmComponent, WasmHost, WasmHostError } from '@keel/wasm-host';
import { type RegistryError, registryError } from './registry-errors.js';
import type { RegistryStore, StoredRouting, StoredVersion } from './registry-store.js';
import { inCanary } from './routing.js';

/**
 * A component by name, served by whichever version the registry routes to at the moment of each
 * call — the active one, or the canary for keys in its share. Errors of the call itself are
 * wasm-host's (`TRAP`, `TIMEOUT`, `GUEST_ERROR`, …); the registry's are `NOT_FOUND` (no active
 * version), `UNAVAILABLE` (the version cannot be loaded here), `DATABASE` and `CLOSED`.
 *
 * @example
 * const billing = registry.component('billing');
 * const total = await billing.call('invoice-total', 'inv-42');
 * const forAda = await billing.forKey('user-ada').call('invoice-total', 'inv-42'); // canary split by key
 * await billing.callWith({ workflow: { run: runId, step: 'bill' } }, 'invoice-total', 'inv-42'); // recorded for the run
 */
export interface LiveComponent extends LiveCalls {
  readonly name: string;
  /** Calls routed by `key`: a key in the canary's share goes to the canary version. */
  forKey(key: string): LiveCalls;
}

/** The calls of a live component: `call`, and `callWith` (wasm-host's call options: the workflow step). */
export interface LiveCalls {
  call<T = unknown>(exportName: string, ...args: unknown[]): ResultAsync<T, RegistryError | WasmHostError>;
  callWith<T = unknown>(
    options: CallOptions,
    exportName: string,
    ...args: unknown[]
  ): ResultAsync<T, RegistryError | WasmHostError>;
}

export interface LiveContext {
  readonly sql: Sql;
  readonly host: WasmHost;
  readonly store: RegistryStore;
  readonly trustedKeys: ReadonlyMap<string, KeyObject>;
  readonly refreshMs: number;
  readonly now: () => number;
}

/** A loaded version, shared by every call routed to it; closed once it is retired and idle. */
interface Slot {
  readonly key: string;
  readonly loaded: Promise<Result<WasmComponent, RegistryError>>;
  inflight: number;
  retired: boolean;
}

interface Route {
  readonly routing: StoredRouting;
  readonly active: Slot;
  readonly canary: Slot | undefined;
  checkedAt: number;
}

/**
 * The routing of this process: per name, the versions calls go to, read from the database at
 * most every `refreshMs` (at once after a change made here). A new version is loaded before
 * calls are routed to it when the change is made here (`prepare`), and on the first call
 * otherwise — calls wait for the load, none fails. A version no longer routed to finishes the
 * calls it has, then closes: no call fails and none is served half by one version, half by another.
 */
export function liveComponents(c: LiveContext) {
  const slots = new Map<string, Slot>();
  const routes = new Map<string, Route>();
  const refreshing = new Map<string, Promise<Result<Route, RegistryError>>>();
  // Per name, how many changes this process made: a read that began before one may have read
  // the routing before it, and must not serve it as fresh.
  const changes = new Map<string, number>();
  let closed = false;

  const slotKey = (v: StoredVersion) => `${v.name}@${v.version}#${v.policyRevision}`;

  const load = async (v: StoredVersion): Promise<Result<WasmComponent, RegistryError>> => {
    const unavailable = (why: string, cause?: unknown) =>
      registryError('UNAVAILABLE', 'load', `${v.name}@${v.version} cannot be served: ${why}`, cause);
    // Not verified here: the host refuses bytes that do not hash to the pin (and counts a security alert).
    const bytes = await c.store.bytes(c.sql, v.sha256, 'load');
    if (bytes.isErr()) return err(bytes.error);
    if (!bytes.value) return err(unavailable('its bytes are missing from the registry'));
    const signed = await c.store.signature(c.sql, v.name, v.version);
    if (signed.isErr()) return err(signed.error);
    // A signed version is verified again on every load, with the key from this process's
    // configuration: bytes changed in the database with a matching hash still fail here.
    const key = v.signer === undefined ? undefined : c.trustedKeys.get(v.signer);
    if (v.signer !== undefined && !key) return err(unavailable(`its signer '${v.signer}' is no longer trusted`));
    const loaded = await c.host.load(bytes.value, {
      id: `${v.name}@${v.version}`,
      sha256: v.sha256,
      grants: v.grants as never,
      limits: v.limits as never,
      ...(key && signed.value ? { signature: signed.value, publicKey: key } : {}),
    });
    return loaded.mapErr((cause) => unavailable(cause.message, cause));
  };

  /** The slot of a version, loading it when no call has yet. */
  const slotFor = (v: StoredVersion): Slot => {
    const key = slotKey(v);
    let slot = slots.get(key);
    if (!slot) {
      slot = { key, loaded: load(v), inflight: 0, retired: false };
      slots.set(key, slot);
      // A failed load is not kept: the next call tries again (the grants may have been fixed).
      void slot.loaded.then((r) => r.isErr() && slots.get(key) === slot && slots.delete(key));
    }
    slot.retired = false;
    return slot;
  };

  const retire = (slot: Slot) => {
    slot.retired = true;
    if (slot.inflight === 0) closeSlot(slot);
  };

  const closeSlot = (slot: Slot) => {
    if (slots.get(slot.key) === slot) slots.delete(slot.key);
    void slot.loaded.then((r) => (r.isOk() ? r.value.close() : undefined));
  };

  const closedCall = (name: string) => registryError('CLOSED', 'call', `call ${name}: the registry is closed`);

  const version = (name: string, v: string | undefined) =>
    v === undefined ? ResultAsync.fromSafePromise(Promise.resolve(undefined)) : c.store.version(c.sql, name, v);

  const read = async (name: string): Promise<Result<Route, RegistryError>> => {
    const seen = changes.get(name);
    /** An answer not to use: closed meanwhile (nothing may be loaded now), or changed here (read again). */
    const stale = (): Promise<Result<Route, RegistryError>> | undefined => {
      if (closed) return Promise.resolve(err(closedCall(name)));
      return changes.get(name) === seen ? undefined : route(name);
    };
    const routing = await c.store.routing(c.sql, name);
    const first = stale();
    if (first) return first;
    if (routing.isErr()) return err(routing.error);
    const r = routing.value;
    if (!r?.active) return err(registryError('NOT_FOUND', 'call', `component '${name}' has no active version`));
    const current = routes.get(name);
    if (current && current.routing.revision === r.revision) {
      current.checkedAt = c.now();
      return ok(current);
    }
    const [active, canary] = await Promise.all([version(name, r.active), version(name, r.canary?.version)]);
    const second = stale();
    if (second) return second;
    if (active.isErr()) return err(active.error);
    if (canary.isErr()) return err(canary.error);
    if (!active.value) return err(registryError('NOT_FOUND', 'call', `${name}@${r.active} is not in the registry`));
    const next: Route = {
      routing: r,
      active: slotFor(active.value),
      canary: canary.value ? slotFor(canary.value) : undefined,
      checkedAt: c.now(),
    };
    routes.set(name, next);
    for (const old of [current?.active, current?.canary])
      if (old && old !== next.active && old !== next.canary) retire(old);
    return ok(next);
  };

  const route = (name: string): Promise<Result<Route, RegistryError>> => {
    const current = routes.get(name);
    if (current && c.now() - current.checkedAt < c.refreshMs) return Promise.resolve(ok(current));
    let pending = refreshing.get(name);
    if (!pending) {
      const reading = read(name).finally(() => refreshing.get(name) === reading && refreshing.delete(name));
      refreshing.set(name, reading);
      pending = reading;
    }
    return pending;
  };

  const call = async <T>(
    name: string,
    key: string | undefined,
    exportName: string,
    args: unknown[],
    options?: CallOptions,
  ): Promise<Result<T, RegistryError | WasmHostError>> => {
    if (closed) return err(closedCall(name));
    const r = await route(name);
    if (r.isErr()) return err(r.error);
    const { canary, active, routing } = r.value;
    const slot = canary && key !== undefined && inCanary(name, key, routing.canary?.percent ?? 0) ? canary : active;
    slot.inflight++;
    try {
      const component = await slot.loaded;
      if (component.isErr()) return err(component.error);
      return await (options === undefined
        ? component.value.call<T>(exportName, ...args)
        : component.value.callWith<T>(options, exportName, ...args));
    } finally {
      slot.inflight--;
      if (slot.retired && slot.inflight === 0) closeSlot(slot);
    }
  };

  const handle = (name: string, key: string | undefined): LiveCalls => ({
    call: <T = unknown>(exportName: string, ...args: unknown[]) =>
      new ResultAsync(call<T>(name, key, exportName, args)),
    callWith: <T = unknown>(options: CallOptions, exportName: string, ...args: unknown[]) =>
      new ResultAsync(call<T>(name, key, exportName, args, options)),
  });

  return {
    component(name: string): LiveComponent {
      return { name, ...handle(name, undefined), forKey: (key: string) => handle(name, key) };
    },
    /** Loads a version before calls are routed to it; `Err(UNAVAILABLE)` when it cannot be served. */
    async prepare(v: StoredVersion): Promise<Result<void, RegistryError>> {
      const slot = slotFor(v);
      const loaded = await slot.loaded;
      return loaded.map(() => undefined);
    },
    /** Reads the routing again on the next call: it changed here. */
    changed(name: string) {
      changes.set(name, (changes.get(name) ?? 0) + 1);
      refreshing.delete(name);
      const current = routes.get(name);
      if (current) current.checkedAt = Number.NEGATIVE_INFINITY;
    },
    async close() {
      closed = true;
      const all = [...slots.values()];
      slots.clear();
      routes.clear();
      await Promise.all(all.map(async (s) => (await s.loaded).map((component) => component.close())));
    },
  };
}

export type LiveComponents = ReturnType<typeof liveComponents>;
