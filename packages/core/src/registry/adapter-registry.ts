import type { InterfaceName, KeelInterfaces } from '../config/config-types.js';
import type { KeelToken } from '../container/tokens.js';

/** What a factory gets besides its options. */
export interface AdapterContext {
  readonly interface: InterfaceName;
  /** The instance name from config (`default`, `main`, …). */
  readonly name: string;
  /** Instances created before this one (kv and sql come first), for adapters built on others. */
  resolve<T>(token: KeelToken<T>): T;
}

/** Builds one instance. Throws `KeelOptionsError` (see `readOptions`) for bad options. */
export type AdapterFactory<I extends InterfaceName = InterfaceName> = (
  options: never,
  context: AdapterContext,
) => KeelInterfaces[I] | Promise<KeelInterfaces[I]>;

/**
 * An adapter the container can build by id. `load` runs only when config chooses the adapter,
 * so a native module is loaded only then.
 *
 * @example
 * registerAdapter({
 *   interface: 'kv', id: 'redis', package: 'keel-redis',
 *   load: () => import('keel-redis').then((m) => m.createRedisKv),
 * });
 */
export interface AdapterRegistration<I extends InterfaceName = InterfaceName> {
  readonly interface: I;
  readonly id: string;
  /** The package that provides it, named in the message when it is not installed. */
  readonly package?: string;
  /** The package's export that is the factory; with `package`, lets core find it from the app's directory. */
  readonly export?: string;
  readonly load: () => Promise<AdapterFactory<I>>;
}

/** Adapter ids per interface. Each `createKeel` reads one; `defaultRegistry` is used unless told otherwise. */
export class AdapterRegistry {
  private readonly entries = new Map<string, AdapterRegistration>();

  constructor(registrations: readonly AdapterRegistration[] = []) {
    for (const r of registrations) this.register(r);
  }

  /** Adds an adapter; an id already registered for the interface throws unless `replace` is set. */
  register<I extends InterfaceName>(registration: AdapterRegistration<I>, options: { replace?: boolean } = {}): this {
    const { interface: iface, id, load } = registration;
    if (typeof iface !== 'string' || typeof id !== 'string' || typeof load !== 'function') {
      throw new TypeError('registerAdapter: expected { interface, id, load }');
    }
    const key = `${iface}:${id}`;
    if (this.entries.has(key) && !options.replace) {
      throw new TypeError(
        `registerAdapter: ${iface} adapter '${id}' is already registered; pass { replace: true } to replace it`,
      );
    }
    this.entries.set(key, registration as AdapterRegistration);
    return this;
  }

  get(iface: string, id: string): AdapterRegistration | undefined {
    return this.entries.get(`${iface}:${id}`);
  }

  ids(iface: string): string[] {
    return [...this.entries.values()].filter((r) => r.interface === iface).map((r) => r.id);
  }
}
