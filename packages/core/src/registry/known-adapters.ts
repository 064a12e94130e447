import type { InterfaceName } from '../config/config-types.js';

/**
 * The adapters Keel's own packages provide, as data only: core imports none of them. When config
 * names one that was not registered, the message says which package to install and which
 * export to register.
 */
export const knownAdapters: { readonly [I in InterfaceName]: Readonly<Record<string, readonly [string, string]>> } = {
  kv: {
    memory: ['@keel/adapter-kv-memory', 'memoryKvAdapter'],
    level: ['@keel/adapter-kv-level', 'levelKvAdapter'],
    redis: ['@keel/adapter-kv-redis', 'redisKvAdapter'],
    component: ['@keel/wasm-host', 'componentKvAdapter'],
  },
  sql: {
    sqlite: ['@keel/adapter-sqlite', 'sqliteAdapter'],
    postgres: ['@keel/adapter-postgres', 'postgresAdapter'],
  },
  email: {
    sendgrid: ['@keel/adapter-email', 'sendgridAdapter'],
    mailgun: ['@keel/adapter-email', 'mailgunAdapter'],
    ses: ['@keel/adapter-email', 'sesAdapter'],
    smtp: ['@keel/adapter-email', 'smtpAdapter'],
    outbox: ['@keel/adapter-email', 'outboxAdapter'],
    failover: ['@keel/adapter-email', 'failoverAdapter'],
  },
  messaging: {
    memory: ['@keel/adapter-messaging-memory', 'memoryMessagingAdapter'],
    redis: ['@keel/adapter-messaging-redis', 'redisMessagingAdapter'],
    nats: ['@keel/adapter-messaging-nats', 'natsMessagingAdapter'],
  },
  auth: {
    local: ['@keel/adapter-auth', 'localAuthAdapter'],
    oidc: ['@keel/adapter-auth', 'oidcAuthAdapter'],
  },
  blobstore: {
    fs: ['@keel/adapter-blobstore-fs', 'fsBlobstoreAdapter'],
    s3: ['@keel/adapter-blobstore-s3', 's3BlobstoreAdapter'],
  },
};
