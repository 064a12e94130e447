/**
 * The adapter author's kit: everything needed to write a Keel adapter, and nothing an app
 * needs. Apps import from `@keel/core`; conformance suites live in `@keel/testing`.
 *
 * @example
 * import { defineAdapter, defineKv, option, integer, parseOptions } from '@keel/core/adapter';
 * import * as v from 'valibot';
 */

// Defining an adapter
export {
  defineAdapter,
  type AdapterDefinition,
  type AdapterContext,
  type AdapterNeed,
  type OptionsSchema,
} from './registry/adapter-definition.js';

// Options: one valibot schema per adapter (import valibot itself: `import * as v from 'valibot'`,
// which bundlers tree-shake); its type, validation and README table come from it.
export { parseOptions, KeelOptionsError, type OptionIssue } from './options/parse-options.js';
export { describeOptions, type OptionRow } from './options/describe-options.js';
export {
  option,
  required,
  integer,
  string,
  text,
  boolean,
  oneOf,
  shaped,
  fn,
  withMethods,
  clockOption,
  maxTimerMs,
  number,
  orFalse,
  readonlyArray,
} from './options/option-schemas.js';

// Resilience: backoff, Retry-After, a retry loop and a circuit, for adapters and platform clients
// that call a remote service (email providers, @keel/http-client).
export { backoffDelay, type RetryPolicy } from './resilience/backoff.js';
export { parseRetryAfter } from './resilience/retry-after.js';
export {
  retryLoop,
  type RetryDeps,
  type RetryVerdict,
  type RetryStop,
  type RetryFailure,
} from './resilience/retry-loop.js';
export {
  Circuit,
  type CircuitState,
  type BreakerPolicy,
  type CircuitAdmission,
} from './resilience/circuit.js';
export {
  retryFields,
  circuitBreakerFields,
  defaultSleep,
  type RetryFieldsSchema,
  type CircuitBreakerFieldsSchema,
  type RetryOptions,
  type CircuitBreakerOptions,
} from './resilience/resilience-options.js';

// kv
export type { KvDriver, KvDriverScan } from './kv/kv-driver.js';
export { defineKv } from './kv/define-kv.js';
export { kvCapabilityNames } from './kv/kv-capabilities.js';
export { defaultKvLimits, kvLimitsOption } from './kv/kv-limits.js';
export { kvOperationNames } from './kv/kv-operations.js';
export { compareKeys, isS64, kvValueType, kvValuesEqual, kvValueSize, type KvValueType } from './kv/kv-values.js';

// sql
export type { SqlDriver, SqlTransactionDriver, SqlStatementDriver } from './sql/sql-driver.js';
export { defineSql } from './sql/define-sql.js';
export { sqlCapabilityNames } from './sql/sql-capabilities.js';
export { sqlValueProblem } from './sql/sql-values.js';
export { sandboxParamsProblem } from './sql/sql-sandbox.js';
export type { SqlNotificationsDriver } from './sql/sql-notifications.js';
export { sqlOperationNames, sqlTransactionOperationNames } from './sql/sql-operations.js';
export { transactionRunner } from './sql/sql-transaction-runner.js';
export { StatementCache } from './sql/statement-cache.js';

// email
export type { EmailDriver } from './email/email-driver.js';
export type { NormalizedEmail } from './email/email-contract.js';
export { defineEmail } from './email/define-email.js';
export { emailCapabilityNames } from './email/email-capabilities.js';
export { defaultEmailLimits } from './email/email-limits.js';
export { emailOperationNames } from './email/email-operations.js';
export { addressProblem, parseAddress } from './email/email-address.js';

// messaging
export type { MessagingDriver, DriverPull, ResolvedConsumerConfig } from './messaging/messaging-driver.js';
export { deadLetterHeaders } from './messaging/messaging-driver.js';
export { defineMessaging } from './messaging/define-messaging.js';
export { messagingCapabilityNames } from './messaging/messaging-capabilities.js';
export { messagingLimits } from './messaging/messaging-checks.js';
export { messagingStoreOptions } from './messaging/messaging-options.js';
export { messagingOperationNames } from './messaging/messaging-operations.js';

// auth
export type { AuthDriver } from './auth/auth-driver.js';
export { defineAuth } from './auth/define-auth.js';
export { authCapabilityNames } from './auth/auth-capabilities.js';
export { authOperationNames } from './auth/auth-operations.js';
export { permissionProblem, roleProblem } from './auth/auth-permissions.js';
export { authRoleName, authRoles } from './auth/auth-role-options.js';
export { authMigrationError } from './auth/auth-migration-error.js';

// blobstore
export type { BlobstoreDriver, BlobDriverWrite, BlobDriverList } from './blobstore/blobstore-driver.js';
export type { BlobstoreDriverCapabilities } from './blobstore/blobstore-capabilities.js';
export { defineBlobstore } from './blobstore/define-blobstore.js';
export { blobstoreCapabilityNames } from './blobstore/blobstore-capabilities.js';
export { defaultBlobstoreLimits, blobstoreLimitsOption } from './blobstore/blobstore-limits.js';
export { blobstoreOperationNames } from './blobstore/blobstore-operations.js';
export { containerNameProblem, keyProblem } from './blobstore/blobstore-names.js';

// Lifecycle
export type { AdapterLifecycle } from './lifecycle/health.js';
export type { MaybePromise } from './lifecycle/promise-like.js';
