export { createMemoryKv, memoryKvAdapter } from './memory-kv-adapter.js';
export { memoryKvOptions, type MemoryKvOptions } from './memory-kv-options.js';

declare module '@keel/core' {
  interface KvAdapterOptionsMap {
    memory: import('./memory-kv-options.js').MemoryKvOptions;
  }
}
