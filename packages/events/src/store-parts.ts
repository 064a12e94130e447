import type { Clock, KeelLogger, KeelObservability, Sql } from '@keel/core';
import type { TypeRegistry } from './event-registry.js';
import type { Horizon } from './horizon.js';
import type { eventStatements } from './event-statements.js';
import type { EventTables } from './event-store-schema.js';
import type { WakeHub } from './wake-ups.js';

/** What the parts of one store share. */
export interface StoreParts {
  readonly sql: Sql;
  /** The sql adapter's id, for error reports only. */
  readonly adapter: string;
  readonly tables: EventTables;
  readonly statements: ReturnType<typeof eventStatements>;
  readonly registry: TypeRegistry;
  readonly clock: Clock;
  /** The store's shared advisory lock on PostgreSQL (two int4 keys), held by every publishing transaction. */
  readonly storeLock: readonly [number, number];
  /** An aggregate's advisory-lock key on PostgreSQL (from the table name and its id). */
  readonly aggregateKey: (aggregateId: string) => bigint;
  readonly hub: WakeHub;
  readonly horizon: Horizon;
  readonly onError: (error: Error) => void;
  readonly logger: KeelLogger;
  /** Present only when the store was given one that is enabled; spans only while `tracing`. */
  readonly observability: KeelObservability | undefined;
}
