import type { AdapterDefinition } from './adapter-definition.js';
import { AdapterRegistry } from './adapter-registry.js';

/** The registry every `createKeel` starts from: the adapters given to `registerAdapter`. */
export const defaultRegistry = new AdapterRegistry();

/**
 * Makes adapters available by id to every `createKeel` in the process. Passing them to
 * `createKeel(config, { adapters })` instead keeps them local to that app.
 *
 * @example
 * import { memoryKvAdapter } from '@keel/adapter-kv-memory';
 * registerAdapter(memoryKvAdapter);
 * const keel = await createKeel({ kv: { adapter: 'memory' } });
 */
export function registerAdapter(...definitions: readonly AdapterDefinition[]): void {
  for (const d of definitions) defaultRegistry.register(d);
}
