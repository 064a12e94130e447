import type { Migration } from '@keel/core';

/**
 * The tables of the notifications, applied by core's migrator under the scope
 * `keel-notifications:<table>`: each user's mode per kind and channel, and the notifications
 * waiting for their digest (removed in the transaction that hands the digest to its channel).
 */
export function notificationsMigrations(table: string): Migration[] {
  // The pending rows' id keeps their order within one millisecond (notifications of one transaction).
  const pending = (id: string) => `CREATE TABLE ${table}_pending (
  id ${id},
  user_id VARCHAR(200) NOT NULL,
  kind VARCHAR(200) NOT NULL,
  channel VARCHAR(100) NOT NULL,
  period_start BIGINT NOT NULL,
  recipient TEXT NOT NULL,
  data TEXT NOT NULL,
  created_at BIGINT NOT NULL
)`;
  const rest = (id: string) =>
    [
      preferences(table),
      pending(id),
      `CREATE INDEX ${table}_pending_digest ON ${table}_pending (user_id, kind, channel, period_start)`,
    ].join(';\n');
  return [
    {
      version: 1,
      name: 'create preferences and pending digests',
      up: { sqlite: rest('INTEGER PRIMARY KEY AUTOINCREMENT'), postgres: rest('BIGSERIAL PRIMARY KEY') },
      down: `DROP TABLE ${table}_pending;\nDROP TABLE ${table}_preferences`,
    },
  ];
}

function preferences(table: string): string {
  return `CREATE TABLE ${table}_preferences (
  user_id VARCHAR(200) NOT NULL,
  kind VARCHAR(200) NOT NULL,
  channel VARCHAR(100) NOT NULL,
  mode VARCHAR(10) NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, kind, channel)
)`;
}
