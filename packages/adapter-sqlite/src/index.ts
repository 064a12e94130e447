export { createSqliteSql, sqliteAdapter } from './sqlite-adapter.js';
export { sqliteSqlOptions, type SqliteSqlOptions } from './sqlite-options.js';

declare module '@keel/core' {
  interface SqlAdapterOptionsMap {
    sqlite: import('./sqlite-options.js').SqliteSqlOptions;
  }
}
