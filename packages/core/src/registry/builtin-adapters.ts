import type { AdapterFactory, AdapterRegistration } from './adapter-registry.js';

/**
 * The adapters this repository ships. Each import is a literal so that bundlers (and the
 * single-executable builder) can follow it; it runs only when config picks the adapter.
 */
export const builtinAdapters: readonly AdapterRegistration[] = [
  {
    interface: 'kv',
    id: 'memory',
    package: '@keel/adapter-kv-memory',
    export: 'createMemoryKv',
    load: () => import('@keel/adapter-kv-memory').then((m) => m.createMemoryKv as AdapterFactory<'kv'>),
  },
];
