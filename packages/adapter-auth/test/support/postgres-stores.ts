// PostgreSQL and Redis as the tests' stores: a fresh database and key prefix per auth instance.
import { createPostgresSql } from '@keel/adapter-postgres';
import { createRedisKv } from '@keel/adapter-kv-redis';
import type { Kv, Sql } from '@keel/core';
import { testPostgres, testRedis } from '@keel/testing';
import type { TestStores } from './stores.js';

/** The machine's PostgreSQL and Redis as stores, or why the tests skip. */
export async function postgresRedisStores(): Promise<
  { stores: PostgresRedisStores; skip?: undefined } | { stores?: undefined; skip: string }
> {
  const [pg, redis] = await Promise.all([testPostgres(), testRedis()]);
  if (!pg.server || !redis.server) return { skip: [pg.skip, redis.skip].filter(Boolean).join('; ') };
  const postgres = pg.server;
  const kvServer = redis.server;
  const openSql = (url: string) => createPostgresSql({ connectionString: url });
  const openKv = (prefix: string) => createRedisKv({ url: kvServer.url, keyPrefix: prefix });
  return {
    stores: {
      name: 'PostgreSQL + Redis',
      database: (label = 'auth') => postgres.database(label),
      prefix: (label = 'auth') => kvServer.prefix(label),
      openSql,
      openKv,
      async sql() {
        const sql = openSql(await postgres.database('auth'));
        return { sql, dispose: () => sql.close() };
      },
      kv: () => openKv(kvServer.prefix('auth')),
      async cleanup() {
        await Promise.all([postgres.cleanup(), kvServer.cleanup()]);
      },
    },
  };
}

/** PostgreSQL and Redis stores that can also open a second client on the same database or prefix. */
export interface PostgresRedisStores extends TestStores {
  database(label?: string): Promise<string>;
  prefix(label?: string): string;
  openSql(url: string): Sql;
  openKv(prefix: string): Kv;
}
