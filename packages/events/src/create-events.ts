import { createMigrator, silentLogger, type ResultAsync, type Sql, type SqlTransaction } from '@keel/core';
import { parseOptions } from '@keel/core/adapter';
import { type EventsError, sqlFailure } from './events-errors.js';
import { eventsOptions, type EventsOptions, type ResolvedEventsOptions } from './events-options.js';
import { typeRegistry } from './event-registry.js';
import { eventStatements } from './event-statements.js';
import { eventMigrations, eventTables } from './event-store-schema.js';
import type {
  AppendOptions,
  ByTypeOptions,
  EventHandler,
  EventInput,
  EventPage,
  EventQuery,
  HistoryOptions,
  ReplayOptions,
  StoredEvent,
} from './event-types.js';
import { type DeadLetter, groupAdmin, type PartitionStatus } from './group-admin.js';
import { groupStatements } from './group-statements.js';
import { bucketOf, lockKeyOf, storeLockSpace } from './hashing.js';
import { horizon } from './horizon.js';
import { typePatterns } from './patterns.js';
import { publisher } from './publish.js';
import { readers } from './reads.js';
import type { StoreParts } from './store-parts.js';
import { startSubscription, type Subscription } from './subscription.js';
import { type SubscribeOptions, subscribeOptions } from './subscription-options.js';
import { notificationWakes } from './notification-wakes.js';
import { wakeHub, type WakeSource } from './wake-ups.js';

/** A domain event store on one database. */
export interface Events {
  /** Creates or updates the store's tables (core's migrator, scope `keel-events:<table>`). */
  migrate(): ResultAsync<void, EventsError>;
  /** Appends events in the caller's transaction: they exist if and only if it commits. */
  publish(tx: SqlTransaction, events: EventInput | readonly EventInput[]): ResultAsync<StoredEvent[], EventsError>;
  /** Appends to one stream, `CONFLICT` unless it is at `expectedVersion`. */
  append(
    tx: SqlTransaction,
    aggregateId: string,
    events: readonly Omit<EventInput, 'aggregateId'>[],
    options?: AppendOptions,
  ): ResultAsync<StoredEvent[], EventsError>;
  /** One aggregate's events in stream order. */
  history(aggregateId: string, options?: HistoryOptions): ResultAsync<EventPage, EventsError>;
  /** Events of a type (or `Order*` pattern) in store order. */
  byType(pattern: string, options?: ByTypeOptions): ResultAsync<EventPage, EventsError>;
  /** Every event from a position or a time, in store order. */
  replay(options?: ReplayOptions): ResultAsync<EventPage, EventsError>;
  /** All pages of a query, event by event. A failed page is thrown (its `EventsError`): a `for await` loop has no `Err`. */
  iterate(query: EventQuery): AsyncIterable<StoredEvent>;
  /** Delivers matching events to `handler` as a consumer of `options.group` (see the README's guarantees). */
  subscribe<T = unknown>(
    pattern: string | readonly string[],
    handler: EventHandler<T>,
    options: SubscribeOptions,
  ): Subscription;
  deadLetters(
    group: string,
    options?: { readonly after?: number; readonly limit?: number },
  ): ResultAsync<DeadLetter[], EventsError>;
  /** Puts one dead letter (or all of a group's) back for one more try; resolves to how many. */
  requeue(group: string, position?: number): ResultAsync<number, EventsError>;
  discard(group: string, position: number): ResultAsync<boolean, EventsError>;
  checkpoints(group: string): ResultAsync<PartitionStatus[], EventsError>;
  /** Delivers a group's events again from position `from` on. */
  rewind(group: string, from: number): ResultAsync<void, EventsError>;
  /** Stops every subscription of this store (the database stays open). */
  close(): Promise<void>;
}

/**
 * The event store on `sql` (any Keel sql adapter: SQLite, PostgreSQL).
 *
 * @example
 * const events = createEvents(keel.sql, { types: { TaskCompleted: { schema: v.object({ by: v.string() }) } } });
 * (await events.migrate())._unsafeUnwrap();
 * await keel.sql.transaction(async (tx) => {
 *   await tx.execute('UPDATE tasks SET done = 1 WHERE id = ?', [7]);
 *   return events.publish(tx, { type: 'TaskCompleted', aggregateId: 'task-7', data: { by: 'ada' } });
 * });
 * events.subscribe('TaskCompleted', async (event) => notify(event), { group: 'emails' });
 */
export function createEvents(sql: Sql, options: EventsOptions = {}): Events {
  return buildEvents(sql, parseOptions(eventsOptions, options, 'createEvents'));
}

/** The store from checked options. */
export function buildEvents(sql: Sql, o: ResolvedEventsOptions): Events {
  if (typeof sql?.query !== 'function' || typeof sql.transaction !== 'function') {
    throw new TypeError('createEvents: expected a Keel Sql (keel.sql, createSqliteSql(…), createPostgresSql(…))');
  }
  const dialect = sql.capabilities.dialect;
  const tables = eventTables(o.table);
  const statements = eventStatements(tables, dialect);
  const registry = typeRegistry(o.types, o.strict ?? Object.keys(o.types).length > 0, sql.adapter);
  const logger = o.logger ?? silentLogger;
  const onError = o.onError ?? (() => {});
  const sources: WakeSource[] = [...(o.wakeSources ?? [])];
  if (o.notifications && sql.capabilities.notifications && sql.notifications) {
    const report = (error: Error) => {
      logger.error({ err: error, table: o.table }, 'events: listening for notifications failed; polling only');
      onError(error);
    };
    sources.push(notificationWakes(sql.notifications, `${o.table.toLowerCase()}_wake`, report));
  }
  const hub = wakeHub(sql, statements.awaitEnded, dialect, sources);
  const storeLock = [storeLockSpace, bucketOf(`keel-events:${o.table}`)] as const;

  const parts: StoreParts = {
    sql,
    adapter: sql.adapter,
    tables,
    statements,
    registry,
    clock: o.clock,
    storeLock,
    aggregateKey: (aggregateId) => lockKeyOf(`keel-events:${o.table}\u0000${aggregateId}`),
    hub,
    horizon: horizon(sql, statements.horizon, storeLock),
    onError,
    logger,
    observability: o.observability?.enabled ? o.observability : undefined,
  };
  const g = groupStatements(tables);
  const migrator = createMigrator(sql, { migrations: eventMigrations(tables), scope: `keel-events:${o.table}` });
  const { publish, append } = publisher(parts);
  const subscriptions = new Set<Subscription>();
  // How far each group trails the newest event, read only when metrics are read.
  const stopLag = parts.observability?.gauge(
    'keel.events.lag',
    'Positions between the newest event and the oldest checkpoint of each group (its slowest partition).',
    ['table', 'group'],
    async () => {
      const lag = await sql.query(
        `SELECT group_name, (SELECT COALESCE(MAX(position), 0) FROM ${tables.events}) - MIN(position) ` +
          `FROM ${tables.checkpoints} GROUP BY group_name`,
      );
      if (lag.isErr()) throw lag.error;
      return lag.value.rows.map(([group, behind]) => [[o.table, String(group)], Math.max(0, Number(behind))] as const);
    },
  );

  return Object.freeze({
    migrate: () =>
      migrator
        .up()
        .map(() => undefined)
        .mapErr(sqlFailure('migrate', 'migrating the event store', sql.adapter)),
    publish,
    append: (tx, aggregateId, events, options = {}) => append(tx, aggregateId, events, options.expectedVersion),
    ...readers(parts),
    subscribe<T>(pattern: string | readonly string[], handler: EventHandler<T>, options: SubscribeOptions) {
      if (typeof handler !== 'function') throw new TypeError('subscribe: expected a handler function');
      const patterns = typePatterns(pattern, 'subscribe');
      const resolved = parseOptions(subscribeOptions, options, 'subscribe');
      const subscription = startSubscription(parts, g, patterns, handler as EventHandler, resolved, () =>
        subscriptions.delete(subscription),
      );
      subscriptions.add(subscription);
      return subscription;
    },
    ...groupAdmin(parts, g),
    async close() {
      stopLag?.();
      await Promise.all([...subscriptions].map((s) => s.stop()));
      await hub.close();
    },
  } satisfies Events);
}
