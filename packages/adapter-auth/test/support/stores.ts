// Where the tests' auth instances keep their data: by default the SQLite file and in-memory kv
// the package has always been tested on (PostgreSQL and Redis: postgres-stores.ts).
import { createMemoryKv } from '@keel/adapter-kv-memory';
import type { Kv, Sql } from '@keel/core';
import type { ManualClock } from '@keel/testing';
import { createTestSql } from './sqlite.js';

export interface TestStores {
  /** Names the databases in test titles. */
  readonly name: string;
  /** A fresh, empty database, and how to close it (and delete its file). */
  sql(): Promise<{ readonly sql: Sql; dispose(): Promise<void> }>;
  /** A fresh, empty kv namespace; its entries' own expiry may keep real time. */
  kv(clock: ManualClock): Kv;
  /** Removes every database and key these stores created (call after closing the instances). */
  cleanup(): Promise<void>;
}

export const sqliteStores: TestStores = {
  name: 'SQLite + memory kv',
  sql: createTestSql,
  kv: (clock) => createMemoryKv({ clock }),
  cleanup: async () => {},
};
