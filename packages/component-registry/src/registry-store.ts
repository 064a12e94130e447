import { type ResultAsync, type Sql, type SqlTransaction, type SqlValue, okAsync, rowsToObjects } from '@keel/core';
import type { BlobHome } from './blob-home.js';
import { fromSql, type RegistryError } from './registry-errors.js';
import type { ComponentRouting, ComponentVersion, RegistryAuditRecord } from './registry-types.js';

type Db = Sql | SqlTransaction;
type Row = Record<string, SqlValue>;

const versionColumns =
  'name, version, sha256, size, exports, signer, uploaded_by, uploaded_at, grants, limits, policy_revision';

/** A stored version with what routing needs to know whether a loaded instance is still current. */
export interface StoredVersion extends ComponentVersion {
  readonly policyRevision: number;
}

/** The routing row, with the revision every change bumps. */
export interface StoredRouting extends ComponentRouting {
  readonly revision: number;
}

export interface NewVersion {
  readonly name: string;
  readonly version: string;
  readonly sha256: string;
  readonly bytes: Uint8Array;
  readonly exports: readonly string[];
  readonly signer: string | undefined;
  readonly signature: string | undefined;
  readonly uploadedBy: string | undefined;
}

const empty = new Uint8Array(0);

/**
 * The registry's statements on its tables: plain reads and writes, no policy. With `home` (a
 * blobstore), new bytes live there and their `_blobs` row keeps only the hash and the size (its
 * `bytes` empty); rows written before a blobstore was configured keep serving their own bytes.
 */
export function registryStore(table: string, home?: BlobHome) {
  const t = {
    blobs: `${table}_blobs`,
    versions: `${table}_versions`,
    names: `${table}_names`,
    audit: `${table}_audit`,
  };
  const rows = <T>(op: string, db: Db, statement: string, params: SqlValue[], map: (row: Row) => T) =>
    db
      .query(statement, params)
      .map((r) => rowsToObjects(r).map((row) => map(row as Row)))
      .mapErr(fromSql(op));
  const run = (op: string, db: Db, statement: string, params: SqlValue[]) =>
    db
      .execute(statement, params)
      .map((r) => r.rowsAffected)
      .mapErr(fromSql(op));

  return {
    insertVersion(db: Db, v: NewVersion, now: number): ResultAsync<void, RegistryError> {
      // The bytes are stored once per hash, whichever name or version brought them. The row is
      // written (or, when there, updated to nothing new) first, so the transaction holds its lock
      // until it commits: a delete of the last other version with these bytes waits for it, and an
      // upload of the same bytes waits for a delete that got there first (see `lockBytes`).
      return run(
        'upload',
        db,
        `INSERT INTO ${t.blobs} (sha256, bytes, size) VALUES (?, ?, ?) ` +
          'ON CONFLICT (sha256) DO UPDATE SET size = excluded.size',
        [v.sha256, home ? empty : v.bytes, v.bytes.byteLength],
      )
        .andThen(() =>
          run(
            'upload',
            db,
            `INSERT INTO ${t.versions} (${versionColumns}, signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '{}', '{}', 1, ?)`,
            [
              v.name,
              v.version,
              v.sha256,
              v.bytes.byteLength,
              JSON.stringify(v.exports),
              v.signer ?? null,
              v.uploadedBy ?? null,
              now,
              v.signature ?? null,
            ],
          ),
        )
        .map(() => undefined);
    },

    version(db: Db, name: string, version: string): ResultAsync<StoredVersion | undefined, RegistryError> {
      return rows(
        'version',
        db,
        `SELECT ${versionColumns} FROM ${t.versions} WHERE name = ? AND version = ?`,
        [name, version],
        toVersion,
      ).map((found) => found[0]);
    },

    versions(db: Db, name: string): ResultAsync<StoredVersion[], RegistryError> {
      return rows(
        'get',
        db,
        `SELECT ${versionColumns} FROM ${t.versions} WHERE name = ? ORDER BY uploaded_at DESC, version DESC`,
        [name],
        toVersion,
      );
    },

    /** The bytes of a hash, from its row or (when the row keeps only the hash) the blobstore; not verified. */
    bytes(db: Db, sha256: string, op = 'download'): ResultAsync<Uint8Array | undefined, RegistryError> {
      return rows(op, db, `SELECT bytes, size FROM ${t.blobs} WHERE sha256 = ?`, [sha256], (r) => ({
        bytes: r.bytes instanceof Uint8Array ? r.bytes : undefined,
        size: Number(r.size),
      })).andThen((found) => {
        const row = found[0];
        if (!row) return okAsync(undefined);
        if (!home || (row.bytes && row.bytes.byteLength === row.size)) return okAsync(row.bytes);
        return home.get(op, sha256, row.size);
      });
    },

    /**
     * Locks the `_blobs` row of these bytes for the rest of the transaction (a no-op update): taken
     * before a delete asks whether another version still has them, so an upload of the same bytes
     * in flight has committed by then (and the question, a statement of its own, sees its version).
     */
    lockBytes(db: Db, sha256: string): ResultAsync<void, RegistryError> {
      return run('delete', db, `UPDATE ${t.blobs} SET size = size WHERE sha256 = ?`, [sha256]).map(() => undefined);
    },

    /** The signature a version was uploaded with (base64 or hex text), when it was signed. */
    signature(db: Db, name: string, version: string): ResultAsync<string | undefined, RegistryError> {
      return rows(
        'load',
        db,
        `SELECT signature FROM ${t.versions} WHERE name = ? AND version = ?`,
        [name, version],
        (r) => optional(r.signature),
      ).map((found) => found[0]);
    },

    routing(db: Db, name: string): ResultAsync<StoredRouting | undefined, RegistryError> {
      return rows(
        'routing',
        db,
        `SELECT name, active, previous, canary, canary_basis_points, revision FROM ${t.names} WHERE name = ?`,
        [name],
        toRouting,
      ).map((found) => found[0]);
    },

    /**
     * Locks a name's routing row for the transaction, creating it first (revision 0, nothing active)
     * when `create` and missing. Two processes changing one name's routing then take turns, the
     * second reading what the first wrote, where a read-then-insert would collide on the first
     * activation or lose one of two changes. The no-op update is what takes the row lock on
     * PostgreSQL; SQLite runs one writing transaction at a time anyway.
     */
    lockRouting(db: Db, name: string, create: boolean, now: number): ResultAsync<void, RegistryError> {
      const created = create
        ? run(
            'routing',
            db,
            `INSERT INTO ${t.names} (name, canary_basis_points, revision, updated_at) VALUES (?, 0, 0, ?) ` +
              'ON CONFLICT (name) DO NOTHING',
            [name, now],
          )
        : okAsync(0);
      return created
        .andThen(() => run('routing', db, `UPDATE ${t.names} SET revision = revision WHERE name = ?`, [name]))
        .map(() => undefined);
    },

    /**
     * Locks a version's row for the transaction: false when it no longer exists. An activation holds
     * it so that a delete in another process either waits and then sees the version active, or
     * commits first and the activation finds the version gone.
     */
    holdVersion(db: Db, name: string, version: string): ResultAsync<boolean, RegistryError> {
      return run(
        'routing',
        db,
        `UPDATE ${t.versions} SET policy_revision = policy_revision WHERE name = ? AND version = ?`,
        [name, version],
      ).map((changed) => changed > 0);
    },

    /** Writes the routing row, locked by `lockRouting` in the same transaction, bumping its revision. */
    saveRouting(db: Db, r: ComponentRouting, now: number): ResultAsync<void, RegistryError> {
      return run(
        'routing',
        db,
        `UPDATE ${t.names} SET active = ?, previous = ?, canary = ?, canary_basis_points = ?, ` +
          'revision = revision + 1, updated_at = ? WHERE name = ?',
        [
          r.active ?? null,
          r.previous ?? null,
          r.canary?.version ?? null,
          Math.round((r.canary?.percent ?? 0) * 100),
          now,
          r.name,
        ],
      ).map(() => undefined);
    },

    /** Bumps the routing revision so every process reloads the component (its grants or limits changed). */
    touch(db: Db, name: string, now: number): ResultAsync<void, RegistryError> {
      return run('routing', db, `UPDATE ${t.names} SET revision = revision + 1, updated_at = ? WHERE name = ?`, [
        now,
        name,
      ]).map(() => undefined);
    },

    setPolicy(db: Db, name: string, version: string, column: 'grants' | 'limits', value: unknown) {
      return run(
        column,
        db,
        `UPDATE ${t.versions} SET ${column} = ?, policy_revision = policy_revision + 1 WHERE name = ? AND version = ?`,
        [JSON.stringify(value), name, version],
      );
    },

    /**
     * Deletes a version, and its bytes' row when no other version has them: whether the row went.
     * Call `lockBytes` first in the same transaction.
     */
    deleteVersion(db: Db, v: StoredVersion): ResultAsync<boolean, RegistryError> {
      return run('delete', db, `DELETE FROM ${t.versions} WHERE name = ? AND version = ?`, [v.name, v.version])
        .andThen(() =>
          run(
            'delete',
            db,
            `DELETE FROM ${t.blobs} WHERE sha256 = ? AND NOT EXISTS (SELECT 1 FROM ${t.versions} WHERE sha256 = ?)`,
            [v.sha256, v.sha256],
          ),
        )
        .map((deleted) => deleted > 0);
    },

    /** Names in order after `after`, matching `search` (a substring), with their routing and version counts. */
    list(db: Db, search: string | undefined, after: string | undefined, limit: number) {
      const pattern = search === undefined ? null : `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      return rows(
        'list',
        db,
        `SELECT v.name AS name, COUNT(*) AS count, MAX(v.uploaded_at) AS latest_at, n.active AS active, ` +
          'n.previous AS previous, n.canary AS canary, n.canary_basis_points AS canary_basis_points, ' +
          `n.revision AS revision FROM ${t.versions} v LEFT JOIN ${t.names} n ON n.name = v.name ` +
          "WHERE (CAST(? AS TEXT) IS NULL OR v.name > ?) AND (CAST(? AS TEXT) IS NULL OR v.name LIKE ? ESCAPE '\\') " +
          'GROUP BY v.name, n.active, n.previous, n.canary, n.canary_basis_points, n.revision ORDER BY v.name LIMIT ?',
        [after ?? null, after ?? null, pattern, pattern, limit],
        (r) => ({ routing: toRouting(r), count: Number(r.count), latestAt: Number(r.latest_at) }),
      );
    },

    audit(db: Db, entry: Omit<RegistryAuditRecord, 'id' | 'at'>, now: number): ResultAsync<void, RegistryError> {
      return run(
        'audit',
        db,
        `INSERT INTO ${t.audit} (name, version, action, actor, detail, at) VALUES (?, ?, ?, ?, ?, ?)`,
        [entry.name, entry.version ?? null, entry.action, entry.actor ?? null, JSON.stringify(entry.detail), now],
      ).map(() => undefined);
    },

    history(db: Db, name: string, limit: number): ResultAsync<RegistryAuditRecord[], RegistryError> {
      return rows(
        'history',
        db,
        `SELECT id, name, version, action, actor, detail, at FROM ${t.audit} WHERE name = ? ORDER BY id DESC LIMIT ?`,
        [name, limit],
        (r) => ({
          id: Number(r.id),
          name: String(r.name),
          version: optional(r.version),
          action: String(r.action) as RegistryAuditRecord['action'],
          actor: optional(r.actor),
          detail: JSON.parse(String(r.detail)) as Record<string, unknown>,
          at: new Date(Number(r.at)),
        }),
      );
    },
  };
}

export type RegistryStore = ReturnType<typeof registryStore>;

function toVersion(r: Row): StoredVersion {
  return {
    name: String(r.name),
    version: String(r.version),
    sha256: String(r.sha256),
    size: Number(r.size),
    exports: JSON.parse(String(r.exports)) as string[],
    signer: optional(r.signer),
    uploadedBy: optional(r.uploaded_by),
    uploadedAt: new Date(Number(r.uploaded_at)),
    grants: JSON.parse(String(r.grants)),
    limits: JSON.parse(String(r.limits)),
    policyRevision: Number(r.policy_revision),
  };
}

function toRouting(r: Row): StoredRouting {
  const canary = optional(r.canary);
  return {
    name: String(r.name),
    active: optional(r.active),
    previous: optional(r.previous),
    canary: canary === undefined ? undefined : { version: canary, percent: Number(r.canary_basis_points) / 100 },
    revision: Number(r.revision ?? 0),
  };
}

function optional(value: SqlValue | undefined): string | undefined {
  return value === null || value === undefined ? undefined : String(value);
}
