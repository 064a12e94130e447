import { KvError, type Kv, type KvEntry, type KvValue, type Result } from '@keel/core';
import { defineAdapter, defineKv, parseOptions, type KvDriver } from '@keel/core/adapter';
import {
  kvErrorFromWit,
  kvExpiryFromWit,
  kvValueFromWit,
  kvValueToWit,
  type WitKvExpiry,
  type WitKvValue,
} from '../convert/kv-convert.js';
import type { WitError } from '../imports/binding.js';
import type { WasmComponent } from '../host/wasm-component.js';
import { createWasmHost, type WasmHost } from '../wasm-host.js';
import type { WasmHostError } from '../wasm-host-errors.js';
import {
  componentKvOptions,
  type ComponentKvOptions,
  type ResolvedComponentKvOptions,
} from './component-kv-options.js';

/** The most entries the WIT lets one scan page ask for. */
const MAX_PAGE = 10_000;

/**
 * A kv adapter that is a WebAssembly component: the component exports
 * `keel:infrastructure/kv`, and every operation of the returned `Kv` calls it (through core's
 * guard, so arguments are validated before the component sees them). The component is loaded,
 * verified against `sha256` and checked to export the whole kv interface when the adapter opens.
 *
 * The component's data lives in its instance. If the instance is lost (a trap, a timeout, a
 * memory cap), so is the data: every later call is `UNAVAILABLE` until the adapter is recreated,
 * rather than silently serving an empty store. Scans pass the last key returned as the
 * component's cursor: a component adapter's cursor must be its last key (as `kv.scan` in the
 * WIT allows; core hands callers its own opaque cursors).
 *
 * @example
 * // keel.config.json: { "kv": { "adapter": "component", "options": { "path": "./kv.wasm", "sha256": "…" } } }
 * const kv = createComponentKv({ path: './kv.wasm', sha256: '9f86d0…' });
 * await kv.set('greeting', 'hello');
 */
export function createComponentKv(options: ComponentKvOptions): Kv {
  return buildComponentKv(parseOptions(componentKvOptions, options, 'createComponentKv'));
}

/**
 * Registers the adapter as `component`, so that config can choose it.
 *
 * @example
 * const keel = await createKeel(config, { adapters: [componentKvAdapter] });
 */
export const componentKvAdapter = defineAdapter({
  interface: 'kv',
  id: 'component',
  package: '@keel/wasm-host',
  options: componentKvOptions,
  // Without a logger of its own, it writes to the app's (bound to this instance).
  create: (options, context) =>
    buildComponentKv(options.logger === undefined && context.logger ? { ...options, logger: context.logger } : options),
});

function buildComponentKv(o: ResolvedComponentKvOptions): Kv {
  let host: WasmHost | undefined;
  let component: WasmComponent | undefined;
  let lost: string | undefined;

  const unavailable = (message: string) => new KvError({ code: 'UNAVAILABLE', message });
  const settle = <T>(result: Result<unknown, WasmHostError>, map: (value: never) => T): T => {
    if (result.isOk()) return map(result.value as never);
    const error = result.error;
    if (error.code === 'GUEST_ERROR') throw kvErrorFromWit(error.payload as WitError);
    if (error.code === 'CLOSED') throw new KvError({ code: 'NOT_OPEN', message: error.message });
    lost = `the kv component ${o.id} failed (${error.code}: ${error.message}) and its data went with its instance; recreate the adapter`;
    throw unavailable(lost);
  };
  function invoke<T>(fn: string, args: unknown[], map: (value: never) => T): T | Promise<T> {
    if (lost) throw unavailable(lost);
    const c = component as WasmComponent;
    if (o.mode === 'in-thread') return settle(c.callSync(`kv#${fn}`, ...args), map);
    return Promise.resolve(c.call(`kv#${fn}`, ...args)).then((result) => settle(result, map));
  }
  const same = <T>(value: T) => value;
  const ttl = (ttlMs: number | undefined) => ({ ttlMs: ttlMs === undefined ? undefined : BigInt(ttlMs) });
  const wit = (value: KvValue | undefined) => (value === undefined ? undefined : kvValueToWit(value));
  const fromWit = (value: WitKvValue | undefined) => (value === undefined ? undefined : kvValueFromWit(value));
  const entries = (page: { entries: { key: string; value: WitKvValue }[] }) =>
    page.entries.map((e): KvEntry => ({ key: e.key, value: kvValueFromWit(e.value) }));

  const driver: KvDriver = {
    adapter: 'component',
    capabilities: o.capabilities,
    limits: o.kvLimits,
    async open() {
      host = createWasmHost(
        {},
        {
          ...(o.cacheDir === undefined ? {} : { cacheDir: o.cacheDir }),
          ...(o.logger === undefined ? {} : { logger: o.logger }),
          ...(o.executionLog === undefined ? {} : { executionLog: o.executionLog }),
        },
      );
      const loaded = await host.load(o.source, {
        id: o.id,
        sha256: o.sha256,
        ...(o.signature === undefined ? {} : { signature: o.signature }),
        ...(o.publicKey === undefined ? {} : { publicKey: o.publicKey }),
        mode: o.mode,
        limits: o.limits,
        role: 'kv-adapter',
      } as Parameters<WasmHost['load']>[1]);
      if (loaded.isErr()) {
        await host.close();
        throw unavailable(`the kv component cannot be loaded: ${loaded.error.message} [${loaded.error.code}]`);
      }
      component = loaded.value;
    },
    async close() {
      await host?.close();
    },
    health() {
      if (lost) throw unavailable(lost);
      return { component: o.id, hash: component?.hash, mode: o.mode };
    },
    get: (key) => invoke('get', [key], fromWit),
    set: (key, value, ttlMs) => invoke('set', [key, kvValueToWit(value), ttl(ttlMs)], () => undefined),
    delete: (key) => invoke('delete', [key], same<boolean>),
    exists: (key) => invoke('exists', [key], same<boolean>),
    increment: (key, delta) => invoke('increment', [key, delta], same<bigint>),
    compareAndSwap: (key, expected, desired, ttlMs) =>
      invoke('compare-and-swap', [key, wit(expected), wit(desired), ttl(ttlMs)], same<boolean>),
    expire: (key, ttlMs) => invoke('expire', [key, ttlMs === undefined ? undefined : BigInt(ttlMs)], same<boolean>),
    ttl: (key) =>
      invoke('ttl', [key], (expiry: WitKvExpiry | undefined) =>
        expiry === undefined ? undefined : kvExpiryFromWit(expiry),
      ),
    scan({ prefix, after, limit }) {
      const page = (cursor: string | undefined, n: number) =>
        invoke(
          'scan',
          [{ prefix, cursor, limit: Math.min(n, MAX_PAGE) }],
          (p: { entries: { key: string; value: WitKvValue }[]; cursor?: string }) => ({
            entries: entries(p),
            more: p.cursor !== undefined,
          }),
        );
      // Core asks for one entry beyond a page to know whether another follows; past the WIT's
      // page limit, that entry takes a second call.
      const first = page(after, limit);
      const rest = (p: { entries: KvEntry[]; more: boolean }) => {
        if (limit <= MAX_PAGE || !p.more || p.entries.length === 0) return p.entries;
        const last = (p.entries[p.entries.length - 1] as KvEntry).key;
        const next = page(last, limit - p.entries.length);
        return next instanceof Promise
          ? next.then((n) => [...p.entries, ...n.entries])
          : [...p.entries, ...next.entries];
      };
      return first instanceof Promise ? first.then(rest) : rest(first);
    },
    getMany: (keys) => invoke('get-many', [[...keys]], (values: (WitKvValue | undefined)[]) => values.map(fromWit)),
    setMany: (list, ttlMs) =>
      invoke(
        'set-many',
        [list.map((e) => ({ key: e.key, value: kvValueToWit(e.value) })), ttl(ttlMs)],
        () => undefined,
      ),
    deleteMany: (keys) => invoke('delete-many', [[...keys]], same<number>),
  };
  return defineKv(driver);
}
