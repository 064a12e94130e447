// Results: re-exported so apps and adapters share one copy of neverthrow's classes.
export { Result, ResultAsync, ok, err, okAsync, errAsync } from 'neverthrow';

// Errors
export { KeelError, KeelConfigError, type KeelErrorInit } from './errors/keel-error.js';

// kv
export type {
  Kv,
  KvOperations,
  KvSync,
  KvValue,
  KvSetOptions,
  KvExpiry,
  KvEntry,
  KvScanOptions,
  KvScanPage,
} from './kv/kv-contract.js';
export type { KvCapabilities } from './kv/kv-capabilities.js';
export { KvError, type KvErrorCode, type KvErrorInit } from './kv/kv-errors.js';
export type { KvLimits } from './kv/kv-limits.js';

// sql
export type {
  Sql,
  SqlOperations,
  SqlTransaction,
  SqlTransactionOperations,
  SqlSync,
  SqlTransactionSync,
  SqlValue,
  SqlParams,
  SqlQueryResult,
  SqlExecuteResult,
  SqlConstraintKind,
  TransactionBody,
  TransactionOptions,
  TransactionRunner,
} from './sql/sql-contract.js';
export type { SqlCapabilities, SqlDialect } from './sql/sql-capabilities.js';
export { SqlError, type SqlErrorCode, type SqlErrorInit } from './sql/sql-errors.js';
export { rowsToObjects } from './sql/sql-values.js';
export {
  SqlSandboxError,
  type SqlSandbox,
  type SqlSandboxErrorCode,
  type SqlSandboxErrorInit,
  type SqlSandboxFactory,
  type SqlSandboxOptions,
  type SqlSandboxStatements,
  type SqlSandboxTransaction,
} from './sql/sql-sandbox.js';
export type { SqlNotifications, SqlListener } from './sql/sql-notifications.js';
export { listenForWakes, wakePayload, type WakeListenerOptions } from './sql/sql-wakes.js';
export {
  createMigrator,
  readMigrationsFolder,
  migrationChecksum,
  MigrationError,
  type MigrationErrorCode,
  type MigrationErrorInit,
  type Migration,
  type Migrator,
  type MigratorOptions,
  type MigrationStatus,
  type MigrationReport,
  type AppliedMigration,
} from './migrations/index.js';

// context: who acts, for whom, within what (read by the platform packages)
export { runInContext, currentContext, type KeelContext } from './context/keel-context.js';

// Observability: logs, traces (and their context across queues), metrics, slow calls, health probes
export {
  createJsonLogger,
  silentLogger,
  withTraceIds,
  type KeelLogger,
  type LogFields,
  type LogLevel,
  type JsonLoggerOptions,
} from './observability/keel-logger.js';
export { captureTraceContext, runWithTraceContext, type TraceCarrier } from './observability/trace-context.js';
export {
  observabilityOptions,
  defaultBuckets,
  type ObservabilityConfig,
  type ResolvedObservability,
} from './observability/observability-options.js';
export type {
  KeelObservability,
  KeelCallObserver,
  KeelCounter,
  KeelHistogram,
  SpanAttributes,
} from './observability/keel-observability.js';
export type { CallTarget, CallWatch } from './observability/call-observer.js';
export type { SlowCall } from './observability/slowest-calls.js';
export type { GaugeReading } from './observability/package-gauges.js';
export {
  healthHandlers,
  type HealthHandlers,
  type HealthHandlerOptions,
} from './observability/health-handlers.js';
export { prometheusContentType } from './observability/prometheus-text.js';
export { keelTokens, createObservability, type TelemetryOptions } from './container/start-telemetry.js';

// email
export type {
  Email,
  EmailOperations,
  EmailMessage,
  EmailAddress,
  EmailAddressInput,
  EmailAttachment,
  EmailHeader,
  EmailReceipt,
} from './email/email-contract.js';
export type { EmailCapabilities } from './email/email-capabilities.js';
export { EmailError, retryableEmailCodes, type EmailErrorCode, type EmailErrorInit } from './email/email-errors.js';
export type { EmailLimits } from './email/email-limits.js';

// messaging
export type {
  Messaging,
  MessagingOperations,
  MessagingHeader,
  PublishOptions,
  PublishReceipt,
  StartPosition,
  ConsumerConfig,
  ReceivedMessage,
  PullOptions,
} from './messaging/messaging-contract.js';
export type { MessagingCapabilities } from './messaging/messaging-capabilities.js';
export { MessagingError, type MessagingErrorCode, type MessagingErrorInit } from './messaging/messaging-errors.js';
export type {
  MessageHandler,
  MessagesOptions,
  SubscribeOptions,
  Subscription,
} from './messaging/messaging-subscribe.js';

// auth
export type {
  Auth,
  AuthOperations,
  AuthRequestContext,
  AuthRegistration,
  AuthCredentials,
  AuthUser,
  AuthPrincipal,
  AuthTokenPair,
  AuthSession,
  OidcLoginOptions,
  OidcRedirect,
  OidcLogin,
  OidcCallbackParams,
} from './auth/auth-contract.js';
export type { AuthCapabilities } from './auth/auth-capabilities.js';
export { AuthError, type AuthErrorCode, type AuthErrorInit } from './auth/auth-errors.js';
export { permissionMatches, hasPermission } from './auth/auth-permissions.js';

// blobstore
export type {
  Blobstore,
  BlobstoreOperations,
  BlobMetadata,
  BlobByteRange,
  BlobReadOptions,
  BlobWriteOptions,
  BlobListOptions,
  BlobListPage,
  BlobPresignMethod,
  BlobPresignOptions,
  BlobBody,
  BlobObject,
} from './blobstore/blobstore-contract.js';
export type { BlobstoreCapabilities } from './blobstore/blobstore-capabilities.js';
export { BlobstoreError, type BlobstoreErrorCode, type BlobstoreErrorInit } from './blobstore/blobstore-errors.js';
export type { BlobstoreLimits } from './blobstore/blobstore-limits.js';

// Lifecycle
export type { HealthReport, HealthDetail } from './lifecycle/health.js';
export { systemClock, type Clock } from './lifecycle/clock.js';

// Config
export type {
  KeelConfig,
  KeelInterfaces,
  KeelCapabilities,
  InterfaceName,
  InstanceConfig,
  SectionConfig,
  KvAdapterOptionsMap,
  SqlAdapterOptionsMap,
  EmailAdapterOptionsMap,
  MessagingAdapterOptionsMap,
  AuthAdapterOptionsMap,
  BlobstoreAdapterOptionsMap,
  BuiltinAdapterIds,
} from './config/config-types.js';
export { defineConfig } from './config/define-config.js';
export { loadConfig } from './config/load-config.js';
export { applyEnvOverrides, type Env } from './config/env-overrides.js';

// Registry and container
export type { AdapterDefinition } from './registry/adapter-definition.js';
export { registerAdapter } from './registry/default-registry.js';
export { createKeel, type CreateKeelOptions } from './container/create-keel.js';
export { defineService, type ServiceDefinition } from './container/service-definition.js';
export type { Keel, InstanceAccessor, InstanceNames, Provider } from './container/keel-types.js';
export { KeelStartupError, type StartupFailure } from './container/startup-error.js';
export { tokens, instanceToken, createToken, type KeelToken } from './container/tokens.js';
