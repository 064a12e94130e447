import type { Migration } from '@keel/core';

/**
 * The registry's tables, applied by core's migrator under the scope `keel-components:<table>`.
 * Component bytes live in the database (`<table>_blobs`, one row per sha256, shared by every
 * version with the same bytes), so a registry is one database to back up and every process of
 * an app sees the same components. Times are milliseconds since the epoch; exports, grants,
 * limits and audit details are JSON text.
 */
export function registryMigrations(table: string): Migration[] {
  const blob = { sqlite: 'BLOB', postgres: 'BYTEA' };
  const auditId = { sqlite: 'INTEGER PRIMARY KEY AUTOINCREMENT', postgres: 'BIGSERIAL PRIMARY KEY' };
  const script = (dialect: 'sqlite' | 'postgres') =>
    [
      `CREATE TABLE ${table}_blobs (
  sha256 VARCHAR(64) PRIMARY KEY,
  bytes ${blob[dialect]} NOT NULL,
  size BIGINT NOT NULL
)`,
      `CREATE TABLE ${table}_versions (
  name VARCHAR(100) NOT NULL,
  version VARCHAR(64) NOT NULL,
  sha256 VARCHAR(64) NOT NULL REFERENCES ${table}_blobs (sha256),
  size BIGINT NOT NULL,
  exports TEXT NOT NULL,
  signer VARCHAR(100),
  signature TEXT,
  uploaded_by VARCHAR(200),
  uploaded_at BIGINT NOT NULL,
  grants TEXT NOT NULL,
  limits TEXT NOT NULL,
  policy_revision INTEGER NOT NULL,
  PRIMARY KEY (name, version)
)`,
      `CREATE INDEX ${table}_versions_sha ON ${table}_versions (sha256)`,
      `CREATE TABLE ${table}_names (
  name VARCHAR(100) PRIMARY KEY,
  active VARCHAR(64),
  previous VARCHAR(64),
  canary VARCHAR(64),
  canary_basis_points INTEGER NOT NULL,
  revision BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
)`,
      `CREATE TABLE ${table}_audit (
  id ${auditId[dialect]},
  name VARCHAR(100) NOT NULL,
  version VARCHAR(64),
  action VARCHAR(20) NOT NULL,
  actor VARCHAR(200),
  detail TEXT NOT NULL,
  at BIGINT NOT NULL
)`,
      `CREATE INDEX ${table}_audit_name ON ${table}_audit (name, id)`,
    ].join(';\n');
  return [
    {
      version: 1,
      name: 'create the component registry',
      up: { sqlite: script('sqlite'), postgres: script('postgres') },
      down: [`${table}_audit`, `${table}_names`, `${table}_versions`, `${table}_blobs`]
        .map((t) => `DROP TABLE ${t}`)
        .join(';\n'),
    },
  ];
}
