export { createPostgresSql, postgresAdapter } from './postgres-adapter.js';
export { postgresSqlOptions, type PostgresSqlOptions } from './postgres-options.js';

declare module '@keel/core' {
  interface SqlAdapterOptionsMap {
    postgres: import('./postgres-options.js').PostgresSqlOptions;
  }
}
