export { describeKvConformance } from './kv-conformance.js';
export type { KvConformanceOptions } from './kv-harness.js';
export type { ConformanceOptions, TestContext } from './harness.js';
export { describeSqlConformance } from './sql-conformance.js';
export type { SqlConformanceOptions } from './sql-harness.js';
export { describeEmailConformance } from './email-conformance.js';
export type { EmailConformanceOptions, DeliveredEmail } from './email-harness.js';
export { describeMessagingConformance } from './messaging-conformance.js';
export { textOf, type MessagingConformanceOptions } from './messaging-harness.js';
export { describeMessagingKill, type MessagingKillOptions } from './messaging-kill.js';
export { describeAuthConformance } from './auth-conformance.js';
export { authConformanceRoles, type AuthConformanceOptions, type SentAuthToken } from './auth-harness.js';
export { describeBlobstoreConformance } from './blobstore-conformance.js';
export type { BlobstoreConformanceOptions } from './blobstore-harness.js';
export { createReferenceBlobstore } from './reference-blobstore.js';
export { badKeys as blobstoreBadKeys, oddKeys as blobstoreOddKeys } from './blobstore-conformance-keys.js';
export { ManualClock } from './manual-clock.js';
export { createReferenceKv } from './reference-kv.js';
export { kvValueArbitrary, kvKeyArbitrary } from './kv-arbitraries.js';
export { sqlValueArbitrary } from './sql-arbitraries.js';
export { expectOk, expectErr } from './expect-result.js';
export { scanAll } from './kv-conformance-scan.js';
export {
  testPostgres,
  testRedis,
  type TestPostgres,
  type TestRedis,
} from './servers/machine-servers.js';
export { testNats, type TestNats } from './servers/machine-nats.js';
export { testChromium } from './test-chromium.js';
export type { ServerFor } from './servers/server-for.js';
export type {
  PrivateServer,
  PrivateServerOptions,
  ServerStarter,
  StopOptions,
} from './servers/private-server.js';
export { privatePostgres, startPostgres, type PrivatePostgresOptions } from './servers/private-postgres.js';
export { privateRedis, startRedis, type PrivateRedisOptions } from './servers/private-redis.js';
export { freePort } from './servers/free-port.js';
export {
  builtOutput,
  describeBuiltPackage,
  runBuilt,
  type BuiltPackageOptions,
  type RunBuiltOptions,
} from './built-package.js';
export { bundleChild, type BundleChildOptions } from './bundle-child.js';
export { eventually, sleep, testDatabaseTargets, type TestDatabaseTarget } from './test-databases.js';
export { spawnReportingChild, type ReportingChild } from './reporting-child.js';
export { startReadyChild, type ReadyChild } from './ready-child.js';
