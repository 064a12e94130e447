export { createBetterAuth, betterAuthAdapter, type BetterAuth } from './better-auth-adapter.js';
export { betterAuthOptions, type BetterAuthOptions } from './better-auth-options.js';
export type { BetterAuthTokenMessage } from './better-auth-delivery.js';
export { betterAuthMigrations, betterAuthMigrationScope, migrateBetterAuthSchema } from './better-auth-migrations.js';

declare module '@keel/core' {
  interface AuthAdapterOptionsMap {
    'better-auth': import('./better-auth-options.js').BetterAuthOptions;
  }
}
