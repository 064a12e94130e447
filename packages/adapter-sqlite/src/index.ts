export { createSqliteSql } from './sqlite-adapter.js';
export type { SqliteSqlOptions } from './sqlite-options.js';

declare module '@keel/core' {
  interface SqlAdapterOptionsMap {
    sqlite: import('./sqlite-options.js').SqliteSqlOptions;
  }
}
