export { createLevelKv, levelKvAdapter } from './level-kv-adapter.js';
export { levelKvOptions, type LevelKvOptions } from './level-kv-options.js';

declare module '@keel/core' {
  interface KvAdapterOptionsMap {
    level: import('./level-kv-options.js').LevelKvOptions;
  }
}
