import { AdapterRegistry, type AdapterRegistration } from './adapter-registry.js';
import { builtinAdapters } from './builtin-adapters.js';
import type { InterfaceName } from '../config/config-types.js';

/** The registry `createKeel` uses unless given another: the built-ins plus `registerAdapter` calls. */
export const defaultRegistry = new AdapterRegistry(builtinAdapters);

/**
 * Makes an adapter available by id to every `createKeel` that uses the default registry.
 *
 * @example
 * registerAdapter({ interface: 'kv', id: 'redis', load: () => import('keel-redis').then((m) => m.createRedisKv) });
 * const keel = await createKeel({ kv: { adapter: 'redis', options: { url } } });
 */
export function registerAdapter<I extends InterfaceName>(
  registration: AdapterRegistration<I>,
  options?: { replace?: boolean },
): void {
  defaultRegistry.register(registration, options);
}
