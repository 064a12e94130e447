import { createHash } from 'node:crypto';
import { type Result, ResultAsync, type Sql, type SqlTransaction, createMigrator, errAsync, okAsync } from '@keel/core';
import { parseOptions } from '@keel/core/adapter';
import { type WasmHost, type WasmGrants, type WasmLimits, wasmGrantsOptions, wasmLimitsOptions } from '@keel/wasm-host';
import * as v from 'valibot';
import { type LiveComponent, liveComponents } from './live-components.js';
import { type RegistryError, inRegistryTerms, registryError } from './registry-errors.js';
import { registryMigrations } from './registry-migrations.js';
import { type RegistryOptions, asEd25519, registryOptions } from './registry-options.js';
import { registryStore, type StoredVersion } from './registry-store.js';
import { blobHome } from './blob-home.js';
import type {
  ActorOptions,
  ComponentInfo,
  ComponentSummary,
  ComponentVersion,
  RegistryAuditRecord,
} from './registry-types.js';
import { type UploadInput, identityProblem, upload } from './upload.js';

/** The component registry: see `createComponentRegistry`. */
export interface ComponentRegistry {
  /** Creates or updates the registry's tables (core's migrator, scope `keel-components`). */
  migrate(): ResultAsync<void, RegistryError>;
  /** Checks and stores a new version (see the README for every check); it serves nothing until activated. */
  upload(input: UploadInput): ResultAsync<ComponentVersion, RegistryError>;
  /** Components by name, `search` a substring of it; `cursor` is the previous page's. */
  list(options?: {
    search?: string;
    cursor?: string;
    limit?: number;
  }): ResultAsync<{ items: ComponentSummary[]; cursor: string | undefined }, RegistryError>;
  get(name: string): ResultAsync<ComponentInfo, RegistryError>;
  version(name: string, version: string): ResultAsync<ComponentVersion, RegistryError>;
  download(name: string, version: string): ResultAsync<Uint8Array, RegistryError>;
  /** Replaces a version's grants (wasm-host's); the next call runs with them. Audited. */
  setGrants(
    name: string,
    version: string,
    grants: WasmGrants,
    options?: ActorOptions,
  ): ResultAsync<void, RegistryError>;
  /** Replaces a version's limits (wasm-host's, over the host's defaults); the next call runs with them. Audited. */
  setLimits(
    name: string,
    version: string,
    limits: WasmLimits,
    options?: ActorOptions,
  ): ResultAsync<void, RegistryError>;
  /**
   * Routes every call to `version` (and ends a canary of it). The version is loaded first: when
   * it cannot be served, `Err(UNAVAILABLE)` and the running version keeps serving.
   */
  activate(name: string, version: string, options?: ActorOptions): ResultAsync<void, RegistryError>;
  /** Activates the version that was active before the current one. */
  rollback(name: string, options?: ActorOptions): ResultAsync<string, RegistryError>;
  /** Routes `percent` (0–100) of keys to `version` (`forKey` calls); `null` ends the canary. */
  setCanary(
    name: string,
    canary: { version: string; percent: number } | null,
    options?: ActorOptions,
  ): ResultAsync<void, RegistryError>;
  /** Deletes a version that is neither active nor a canary (`IN_USE` otherwise). */
  delete(name: string, version: string, options?: ActorOptions): ResultAsync<void, RegistryError>;
  /** The audit trail of a component, newest first. */
  history(name: string, options?: { limit?: number }): ResultAsync<RegistryAuditRecord[], RegistryError>;
  /** The component by name, as served by its routing at each call. */
  component(name: string): LiveComponent;
  /** Closes the loaded versions; the database and the host stay the app's. */
  close(): Promise<void>;
}

/**
 * A versioned store of components in the app's database, serving them through a wasm-host.
 *
 * @example
 * const registry = createComponentRegistry(keel.sql, host, { requireSignature: true, trustedKeys: { ci: publicKeyPem } });
 * (await registry.migrate())._unsafeUnwrap();
 * await registry.upload({ name: 'billing', version: '1.1.0', bytes, signature, signer: 'ci', actor: 'ada' });
 * await registry.setGrants('billing', '1.1.0', { kv: { prefix: 'billing:' } }, { actor: 'ada' });
 * await registry.activate('billing', '1.1.0', { actor: 'ada' });
 * const total = await registry.component('billing').call('invoice-total', 'inv-42');
 */
export function createComponentRegistry(sql: Sql, host: WasmHost, options: RegistryOptions = {}): ComponentRegistry {
  const o = parseOptions(registryOptions, options, 'createComponentRegistry');
  const trustedKeys = new Map(Object.entries(o.trustedKeys).map(([name, key]) => [name, asEd25519(key)!]));
  const now = () => Date.now();
  const home = o.blobstore ? blobHome(o.table, o.blobstore) : undefined;
  const store = registryStore(o.table, home);
  const live = liveComponents({ sql, host, store, trustedKeys, refreshMs: o.refreshMs, now });
  const migrator = createMigrator(sql, {
    migrations: registryMigrations(o.table),
    scope: o.table === 'keel_components' ? 'keel-components' : `keel-components:${o.table}`,
  });
  let closed = false;

  /** Runs `body` unless the registry is closed or the name/version is malformed. */
  const guard = <T>(op: string, name: unknown, version: unknown, body: () => ResultAsync<T, RegistryError>) => {
    if (closed) return errAsync<T, RegistryError>(registryError('CLOSED', op, `${op}: the registry is closed`));
    const problem = identityProblem(name, version);
    return problem ? errAsync<T, RegistryError>(registryError('INVALID_ARGUMENT', op, `${op}: ${problem}`)) : body();
  };

  const existing = (op: string, name: string, version: string) =>
    store
      .version(sql, name, version)
      .andThen((found) =>
        found ? okAsync(found) : errAsync(registryError('NOT_FOUND', op, `${op}: ${name}@${version} does not exist`)),
      );

  const routingOf = (name: string, db: Sql | SqlTransaction = sql) =>
    store.routing(db, name).map((r) => r ?? { name, active: undefined, previous: undefined, canary: undefined });

  /** Loads `v` in this process, then writes the routing change and its audit record in one transaction. */
  const reroute = (
    op: 'activate' | 'rollback' | 'canary',
    v: StoredVersion | undefined,
    change: (r: Awaited<ReturnType<typeof routingOf>> extends Result<infer R, unknown> ? R : never) => {
      routing: Parameters<typeof store.saveRouting>[1];
      detail: Record<string, unknown>;
    },
    name: string,
    actor: string | undefined,
  ) =>
    (v ? new ResultAsync(live.prepare(v)) : okAsync(undefined))
      .andThen(() =>
        sql.transaction((tx) => {
          const at = now();
          return store
            .lockRouting(tx, name, true, at)
            .andThen(() => (v ? store.holdVersion(tx, name, v.version) : okAsync(true)))
            .andThen((held) =>
              held
                ? routingOf(name, tx)
                : errAsync(registryError('NOT_FOUND', op, `${op}: ${name}@${v?.version} was deleted`)),
            )
            .andThen((current) => {
              const { routing, detail } = change(current);
              return store
                .saveRouting(tx, routing, at)
                .andThen(() => store.audit(tx, { name, version: v?.version, action: op, actor, detail }, at));
            });
        }),
      )
      .mapErr(inRegistryTerms(op))
      .map(() => live.changed(name));

  const setPolicy = (
    column: 'grants' | 'limits',
    schema: v.GenericSchema,
    name: string,
    version: string,
    value: unknown,
    actor: string | undefined,
  ) => {
    const op = column === 'grants' ? 'setGrants' : 'setLimits';
    return guard(op, name, version, () => {
      const checked = v.safeParse(schema, value, { abortEarly: false });
      if (!checked.success) {
        const issues = checked.issues.map((i) => `${column}${pathOf(i)}: ${i.message}`).join('; ');
        return errAsync(registryError('INVALID_ARGUMENT', op, `${op}: ${issues}`));
      }
      return existing(op, name, version)
        .andThen((found) =>
          sql.transaction((tx) => {
            const at = now();
            return store
              .setPolicy(tx, name, version, column, value)
              .andThen(() => store.touch(tx, name, at))
              .andThen(() =>
                store.audit(
                  tx,
                  { name, version, action: column, actor, detail: { from: found[column], to: value } },
                  at,
                ),
              );
          }),
        )
        .mapErr(inRegistryTerms(op))
        .map(() => live.changed(name));
    });
  };

  return {
    migrate: () =>
      migrator
        .up()
        .map(() => undefined)
        .mapErr((cause) =>
          registryError('DATABASE', 'migrate', `migrating the registry tables failed: ${cause.message}`, cause),
        ),

    upload: (input) =>
      closed
        ? errAsync(registryError('CLOSED', 'upload', 'upload: the registry is closed'))
        : upload(
            { sql, host, store, maxBytes: o.maxBytes, requireSignature: o.requireSignature, trustedKeys, now, home },
            input,
          ).map(publicVersion),

    list: (opts = {}) =>
      guard('list', 'list', undefined, () => {
        const limit = opts.limit ?? 50;
        if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
          return errAsync(registryError('INVALID_ARGUMENT', 'list', `list: limit must be an integer from 1 to 1000`));
        const after = opts.cursor === undefined ? undefined : Buffer.from(opts.cursor, 'base64url').toString('utf8');
        if (after !== undefined && identityProblem(after))
          return errAsync(registryError('INVALID_ARGUMENT', 'list', 'list: the cursor is not one this registry made'));
        return store.list(sql, opts.search, after, limit + 1).map((rows) => {
          const items = rows.slice(0, limit).map(
            ({ routing, count, latestAt }): ComponentSummary => ({
              name: routing.name,
              active: routing.active,
              previous: routing.previous,
              canary: routing.canary,
              versionCount: count,
              lastUploadAt: new Date(latestAt),
            }),
          );
          const last = items[items.length - 1];
          return {
            items,
            cursor: rows.length > limit && last ? Buffer.from(last.name).toString('base64url') : undefined,
          };
        });
      }),

    get: (name) =>
      guard('get', name, undefined, () =>
        store.versions(sql, name).andThen((versions) =>
          versions.length === 0
            ? errAsync(registryError('NOT_FOUND', 'get', `get: no component '${name}'`))
            : routingOf(name).map(
                (r): ComponentInfo => ({
                  name,
                  active: r.active,
                  previous: r.previous,
                  canary: r.canary,
                  versions: versions.map(publicVersion),
                }),
              ),
        ),
      ),

    version: (name, version) =>
      guard('version', name, version, () => existing('version', name, version).map(publicVersion)),

    download: (name, version) =>
      guard('download', name, version, () =>
        existing('download', name, version)
          .andThen((found) => store.bytes(sql, found.sha256).map((bytes) => ({ found, bytes })))
          .andThen(({ found, bytes }) => {
            if (!bytes)
              return errAsync(
                registryError('NOT_FOUND', 'download', `download: the bytes of ${name}@${version} are missing`),
              );
            // Bytes changed where they are kept (the blobstore, the table) are never handed out.
            const hash = createHash('sha256').update(bytes).digest('hex');
            if (hash !== found.sha256)
              return errAsync(
                registryError(
                  'UNAVAILABLE',
                  'download',
                  `download: the stored bytes of ${name}@${version} hash to sha256 ${hash}, not the uploaded ${found.sha256}`,
                ),
              );
            return okAsync(bytes);
          }),
      ),

    setGrants: (name, version, grants, opts = {}) =>
      setPolicy('grants', wasmGrantsOptions, name, version, grants, opts.actor),
    setLimits: (name, version, limits, opts = {}) =>
      setPolicy('limits', wasmLimitsOptions, name, version, limits, opts.actor),

    activate: (name, version, opts = {}) =>
      guard('activate', name, version, () =>
        existing('activate', name, version).andThen((found) =>
          reroute(
            'activate',
            found,
            (r) => ({
              routing: {
                name,
                active: version,
                previous: r.active === version ? r.previous : r.active,
                canary: r.canary?.version === version ? undefined : r.canary,
              },
              detail: { from: r.active ?? null },
            }),
            name,
            opts.actor,
          ),
        ),
      ),

    rollback: (name, opts = {}) =>
      guard('rollback', name, undefined, () =>
        routingOf(name).andThen((r) => {
          if (!r.previous)
            return errAsync(registryError('NOT_FOUND', 'rollback', `rollback: '${name}' has no previous version`));
          const target = r.previous;
          return existing('rollback', name, target).andThen((found) =>
            reroute(
              'rollback',
              found,
              (now) => ({
                routing: { name, active: target, previous: now.active, canary: now.canary },
                detail: { from: now.active ?? null },
              }),
              name,
              opts.actor,
            ).map(() => target),
          );
        }),
      ),

    setCanary: (name, canary, opts = {}) =>
      guard('setCanary', name, canary?.version, () => {
        if (canary !== null) {
          const { percent } = canary;
          if (typeof percent !== 'number' || !(percent >= 0 && percent <= 100))
            return errAsync(
              registryError(
                'INVALID_ARGUMENT',
                'setCanary',
                `setCanary: percent must be from 0 to 100, got ${String(percent)}`,
              ),
            );
        }
        return routingOf(name).andThen((r) => {
          if (!r.active)
            return errAsync(
              registryError('NOT_FOUND', 'setCanary', `setCanary: '${name}' has no active version to split with`),
            );
          if (canary?.version === r.active)
            return errAsync(
              registryError('INVALID_ARGUMENT', 'setCanary', `setCanary: ${name}@${canary.version} is already active`),
            );
          const found: ResultAsync<StoredVersion | undefined, RegistryError> = canary
            ? existing('setCanary', name, canary.version)
            : okAsync(undefined);
          return found.andThen((v) =>
            reroute(
              'canary',
              v,
              (now) => ({
                routing: { ...now, canary: canary ?? undefined },
                detail: { from: now.canary ?? null, to: canary },
              }),
              name,
              opts.actor,
            ),
          );
        });
      }),

    delete: (name, version, opts = {}) =>
      guard('delete', name, version, () =>
        existing('delete', name, version).andThen((found) =>
          sql
            .transaction((tx) =>
              store
                .lockRouting(tx, name, false, now())
                .andThen(() => store.routing(tx, name))
                .andThen((r) => {
                  if (r?.active === version || r?.canary?.version === version)
                    return errAsync(
                      registryError(
                        'IN_USE',
                        'delete',
                        `delete: ${name}@${version} is ${r.active === version ? 'active' : 'a canary'}; activate another version first`,
                      ),
                    );
                  const at = now();
                  return (
                    store
                      .lockBytes(tx, found.sha256)
                      .andThen(() => store.deleteVersion(tx, found))
                      // The object goes with the last version that has the bytes, while the row's
                      // lock keeps an upload of the same bytes waiting (it writes the object again
                      // after). A commit that then fails would leave the row without its object:
                      // loading it says the bytes are missing, and uploading them again heals it.
                      .andThen((gone) => (gone && home ? home.remove(found.sha256) : okAsync(undefined)))
                      .andThen(() =>
                        store.audit(
                          tx,
                          { name, version, action: 'delete', actor: opts.actor, detail: { sha256: found.sha256 } },
                          at,
                        ),
                      )
                  );
                }),
            )
            .mapErr(inRegistryTerms('delete')),
        ),
      ),

    history: (name, opts = {}) =>
      guard('history', name, undefined, () => store.history(sql, name, Math.min(Math.max(opts.limit ?? 100, 1), 1000))),

    component: (name) => {
      const problem = identityProblem(name);
      if (problem) throw new TypeError(`registry.component: ${problem}`);
      return live.component(name);
    },

    async close() {
      closed = true;
      await live.close();
    },
  };
}

function publicVersion(v: StoredVersion): ComponentVersion {
  const { policyRevision: _, ...rest } = v;
  return rest;
}

function pathOf(issue: v.BaseIssue<unknown>): string {
  return (issue.path ?? []).map((p) => `.${String(p.key)}`).join('');
}
