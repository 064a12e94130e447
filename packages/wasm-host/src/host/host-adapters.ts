import {
  instanceToken,
  tokens,
  type Auth,
  type Blobstore,
  type Email,
  type Keel,
  type Kv,
  type Messaging,
  type Sql,
} from '@keel/core';

/**
 * The adapters a host serves components from, when there is no Keel app: each optional.
 *
 * @example
 * createWasmHost({ kv: createMemoryKv(), sql: createSqliteSql({ filename: 'app.db' }) });
 */
export interface WasmHostAdapters {
  readonly kv?: Kv;
  readonly sql?: Sql;
  readonly email?: Email;
  readonly auth?: Auth;
  readonly messaging?: Messaging;
  readonly blobstore?: Blobstore;
}

/** Finds the adapter a grant names: the default instance, or a named one (only with a Keel app). */
export interface AdapterSource {
  kv(instance: string | undefined): Kv | undefined;
  sql(instance: string | undefined): Sql | undefined;
  email(instance: string | undefined): Email | undefined;
  auth(instance: string | undefined): Auth | undefined;
  messaging(instance: string | undefined): Messaging | undefined;
  blobstore(instance: string | undefined): Blobstore | undefined;
  /** Whether a Keel app stands behind it (named instances need one). */
  readonly keel: boolean;
}

export function adapterSource(source: Keel | WasmHostAdapters): AdapterSource {
  if (isKeel(source)) {
    const find = <I extends 'kv' | 'sql' | 'email' | 'auth' | 'messaging' | 'blobstore'>(
      iface: I,
      instance: string | undefined,
    ) => {
      const has = source.instances.some(
        (i) => i.interface === iface && (instance === undefined || i.name === instance),
      );
      if (!has) return undefined;
      return source.resolve(instance === undefined ? tokens[iface] : instanceToken(iface, instance));
    };
    return {
      kv: (name) => find('kv', name),
      sql: (name) => find('sql', name),
      email: (name) => find('email', name),
      auth: (name) => find('auth', name),
      messaging: (name) => find('messaging', name),
      blobstore: (name) => find('blobstore', name),
      keel: true,
    };
  }
  if (typeof source !== 'object' || source === null) {
    throw new TypeError(
      'createWasmHost: expected a Keel app or an object of adapters ({ kv, sql, email, auth, messaging, blobstore })',
    );
  }
  const plain = source as WasmHostAdapters;
  return {
    kv: (name) => (name === undefined ? plain.kv : undefined),
    sql: (name) => (name === undefined ? plain.sql : undefined),
    email: (name) => (name === undefined ? plain.email : undefined),
    auth: (name) => (name === undefined ? plain.auth : undefined),
    messaging: (name) => (name === undefined ? plain.messaging : undefined),
    blobstore: (name) => (name === undefined ? plain.blobstore : undefined),
    keel: false,
  };
}

function isKeel(source: unknown): source is Keel {
  const s = source as Partial<Keel> | null;
  return typeof s?.resolve === 'function' && Array.isArray(s?.instances);
}
