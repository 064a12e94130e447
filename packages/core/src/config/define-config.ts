import type { KeelConfig } from './config-types.js';

/**
 * Types a config object (adapter ids, their options, instance names) without changing it.
 *
 * @example
 * export default defineConfig({
 *   kv: { adapter: 'level', options: { location: './data/kv' } },
 *   sql: { main: { adapter: 'sqlite', options: { filename: './data/app.db' } } },
 * });
 */
export function defineConfig<const C extends KeelConfig>(config: C): C {
  return config;
}
