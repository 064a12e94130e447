import type { AdapterFactory, AdapterRegistration } from './adapter-registry.js';

/**
 * The adapters this repository ships. Each import is a literal so that bundlers (and the
 * single-executable builder) can follow it; it runs only when config picks the adapter.
 */
export const builtinAdapters: readonly AdapterRegistration[] = [
  {
    interface: 'kv',
    id: 'memory',
    package: '@keel/adapter-kv-memory',
    export: 'createMemoryKv',
    load: () => import('@keel/adapter-kv-memory').then((m) => m.createMemoryKv as AdapterFactory<'kv'>),
  },
  {
    interface: 'kv',
    id: 'level',
    package: '@keel/adapter-kv-level',
    export: 'createLevelKv',
    load: () => import('@keel/adapter-kv-level').then((m) => m.createLevelKv as AdapterFactory<'kv'>),
  },
  {
    interface: 'kv',
    id: 'component',
    package: '@keel/wasm-host',
    export: 'createComponentKv',
    load: () => import('@keel/wasm-host').then((m) => m.createComponentKv as AdapterFactory<'kv'>),
  },
  {
    interface: 'sql',
    id: 'sqlite',
    package: '@keel/adapter-sqlite',
    export: 'createSqliteSql',
    load: () => import('@keel/adapter-sqlite').then((m) => m.createSqliteSql as AdapterFactory<'sql'>),
  },
  {
    interface: 'email',
    id: 'sendgrid',
    package: '@keel/adapter-email',
    export: 'createSendgridEmail',
    load: () => import('@keel/adapter-email').then((m) => m.createSendgridEmail as AdapterFactory<'email'>),
  },
  {
    interface: 'email',
    id: 'mailgun',
    package: '@keel/adapter-email',
    export: 'createMailgunEmail',
    load: () => import('@keel/adapter-email').then((m) => m.createMailgunEmail as AdapterFactory<'email'>),
  },
  {
    interface: 'email',
    id: 'ses',
    package: '@keel/adapter-email',
    export: 'createSesEmail',
    load: () => import('@keel/adapter-email').then((m) => m.createSesEmail as AdapterFactory<'email'>),
  },
  {
    interface: 'email',
    id: 'smtp',
    package: '@keel/adapter-email',
    export: 'createSmtpEmail',
    load: () => import('@keel/adapter-email').then((m) => m.createSmtpEmail as AdapterFactory<'email'>),
  },
  {
    interface: 'email',
    id: 'outbox',
    package: '@keel/adapter-email',
    export: 'createOutboxEmail',
    load: () => import('@keel/adapter-email').then((m) => m.createOutboxEmail as AdapterFactory<'email'>),
  },
  {
    interface: 'email',
    id: 'failover',
    package: '@keel/adapter-email',
    export: 'createFailoverEmail',
    load: () => import('@keel/adapter-email').then((m) => m.createFailoverEmail as AdapterFactory<'email'>),
  },
  {
    interface: 'auth',
    id: 'local',
    package: '@keel/adapter-auth',
    export: 'createLocalAuth',
    load: () => import('@keel/adapter-auth').then((m) => m.createLocalAuth as AdapterFactory<'auth'>),
  },
  {
    interface: 'auth',
    id: 'oidc',
    package: '@keel/adapter-auth',
    export: 'createOidcAuth',
    load: () => import('@keel/adapter-auth').then((m) => m.createOidcAuth as AdapterFactory<'auth'>),
  },
];
