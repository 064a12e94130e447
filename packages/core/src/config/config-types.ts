import type { Auth } from '../auth/auth-contract.js';
import type { Blobstore } from '../blobstore/blobstore-contract.js';
import type { BlobstoreDriverCapabilities } from '../blobstore/blobstore-capabilities.js';
import type { AuthCapabilities } from '../auth/auth-capabilities.js';
import type { Email } from '../email/email-contract.js';
import type { EmailCapabilities } from '../email/email-capabilities.js';
import type { Messaging } from '../messaging/messaging-contract.js';
import type { MessagingCapabilities } from '../messaging/messaging-capabilities.js';
import type { Kv } from '../kv/kv-contract.js';
import type { KvCapabilities } from '../kv/kv-capabilities.js';
import type { ObservabilityConfig } from '../observability/observability-options.js';
import type { Sql } from '../sql/sql-contract.js';
import type { SqlCapabilities } from '../sql/sql-capabilities.js';

/** The TypeScript type each interface resolves to. Extended as interfaces are added. */
export interface KeelInterfaces {
  kv: Kv;
  sql: Sql;
  email: Email;
  messaging: Messaging;
  auth: Auth;
  blobstore: Blobstore;
}

/** The capability names config may `require` of each interface's adapter. */
export interface KeelCapabilities {
  kv: keyof KvCapabilities;
  sql: Exclude<keyof SqlCapabilities, 'dialect'>;
  email: keyof EmailCapabilities;
  messaging: Exclude<keyof MessagingCapabilities, 'replay' | 'maxMessageBytes'>;
  auth: keyof AuthCapabilities;
  blobstore: keyof BlobstoreDriverCapabilities;
}

export type InterfaceName = keyof KeelInterfaces;

/**
 * Options per kv adapter id. Adapter packages add theirs by declaration merging, so that
 * config is type-checked once the package's types are in the program:
 *
 * @example
 * declare module '@keel/core' { interface KvAdapterOptionsMap { redis: RedisKvOptions } }
 */
// biome-ignore lint: an empty interface is the merge point.
export interface KvAdapterOptionsMap {}
/** Options per sql adapter id; see {@link KvAdapterOptionsMap}. */
// biome-ignore lint: an empty interface is the merge point.
export interface SqlAdapterOptionsMap {}
/** Options per email adapter id; see {@link KvAdapterOptionsMap}. */
// biome-ignore lint: an empty interface is the merge point.
export interface EmailAdapterOptionsMap {}
/** Options per messaging adapter id; see {@link KvAdapterOptionsMap}. */
// biome-ignore lint: an empty interface is the merge point.
export interface MessagingAdapterOptionsMap {}
/** Options per auth adapter id; see {@link KvAdapterOptionsMap}. */
// biome-ignore lint: an empty interface is the merge point.
export interface AuthAdapterOptionsMap {}
/** Options per blobstore adapter id; see {@link KvAdapterOptionsMap}. */
// biome-ignore lint: an empty interface is the merge point.
export interface BlobstoreAdapterOptionsMap {}

export interface AdapterOptionsMaps {
  kv: KvAdapterOptionsMap;
  sql: SqlAdapterOptionsMap;
  email: EmailAdapterOptionsMap;
  messaging: MessagingAdapterOptionsMap;
  auth: AuthAdapterOptionsMap;
  blobstore: BlobstoreAdapterOptionsMap;
}

/** Ids of the adapters this repository ships, usable before their types are imported. */
export interface BuiltinAdapterIds {
  kv: 'memory' | 'level' | 'component';
  sql: 'sqlite';
  email: 'sendgrid' | 'mailgun' | 'ses' | 'smtp' | 'outbox' | 'failover';
  messaging: 'memory';
  auth: 'local' | 'oidc';
  blobstore: 'fs' | 's3';
}

type OptionsFor<M, K> = K extends keyof M ? M[K] : Readonly<Record<string, unknown>>;

/** One adapter instance chosen by id from the registry. */
export type RegisteredInstanceConfig<I extends InterfaceName> = {
  [K in (keyof AdapterOptionsMaps[I] & string) | BuiltinAdapterIds[I]]: {
    readonly adapter: K;
    readonly options?: OptionsFor<AdapterOptionsMaps[I], K>;
    /** Capabilities the app relies on; start-up fails if the adapter lacks one. */
    readonly requires?: readonly KeelCapabilities[I][];
  };
}[(keyof AdapterOptionsMaps[I] & string) | BuiltinAdapterIds[I]];

/**
 * One adapter instance loaded from a module of the app's or a third party's. It has no
 * `adapter` id in its type (the module's definition carries one), so that a mistyped id in the
 * registered form is reported against the known ids ("Did you mean 'memory'?").
 */
export interface ModuleInstanceConfig<I extends InterfaceName> {
  /** A package name or a path (relative to the working directory) to import. */
  readonly module: string;
  /** The module's export: an adapter definition or a factory `(options, context) => instance`. @default 'default' */
  readonly export?: string;
  readonly options?: Readonly<Record<string, unknown>>;
  readonly requires?: readonly KeelCapabilities[I][];
}

export type InstanceConfig<I extends InterfaceName> = RegisteredInstanceConfig<I> | ModuleInstanceConfig<I>;

/** One instance (named `default`), or named instances: `{ main: {...}, analytics: {...} }`. */
export type SectionConfig<I extends InterfaceName> = InstanceConfig<I> | Readonly<Record<string, InstanceConfig<I>>>;

/** The whole config: one optional section per interface, and how the app is observed. */
export type KeelConfig = { readonly [I in InterfaceName]?: SectionConfig<I> } & {
  /** Traces, metrics, slow calls and the logger's default; see `observabilityOptions`. */
  readonly observability?: ObservabilityConfig;
};
