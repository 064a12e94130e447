import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { Result, ResultAsync, SqlTransaction } from '@keel/core';

/**
 * An event as a caller publishes it.
 *
 * @example
 * const placed: EventInput<{ total: number }> = { type: 'OrderPlaced', aggregateId: 'order-7', data: { total: 4200 } };
 */
export interface EventInput<T = unknown> {
  /** What happened, in the past tense: `OrderPlaced`. Letters, digits, `.`, `_`, `-`, `:`; at most 200. */
  readonly type: string;
  /** The entity (stream) it happened to; events of one aggregate are numbered 1, 2, … and delivered in that order. */
  readonly aggregateId: string;
  /** The payload: JSON-serialisable, checked by the type's schema when the type is registered. */
  readonly data: T;
  /** The schema version `data` is written in; the type's current version when left out. */
  readonly version?: number;
}

/** What `currentContext()` held when the event was published; restored while a handler runs. */
export interface EventMetadata {
  readonly actor?: string;
  readonly correlationId?: string;
  readonly tenantId?: string;
}

/**
 * An event as the store keeps it and hands it back (upcast to its type's current schema version).
 *
 * @example
 * events.subscribe('Order*', (event: StoredEvent) => seen.push([event.position, event.aggregateId, event.streamVersion]));
 */
export interface StoredEvent<T = unknown> extends EventInput<T> {
  /** A unique id (a UUID), for handlers that want to drop a redelivery. */
  readonly id: string;
  /** Global order in the store: later commits have higher positions. */
  readonly position: number;
  /** The event's number in its aggregate's stream: 1, 2, … */
  readonly streamVersion: number;
  /** The schema version of `data` as handed back (the current one, after upcasting). */
  readonly schemaVersion: number;
  /** ISO 8601, when it was published. */
  readonly occurredAt: string;
  readonly metadata: EventMetadata;
}

/**
 * A registered event type: its schema (any Standard Schema: valibot, zod, …), its current
 * version, and upcasters that bring data written in an older version up to date on read.
 *
 * @example
 * const TaskCreated: EventTypeDefinition = {
 *   version: 2,
 *   schema: v.object({ title: v.string(), priority: v.number() }),
 *   upcasters: { 1: (data) => ({ ...(data as object), priority: 0 }) }, // 1 → 2
 * };
 */
export interface EventTypeDefinition<Data = unknown> {
  /** Checks (and may transform) `data` at publish; what it outputs is stored. */
  readonly schema: StandardSchemaV1<unknown, Data>;
  /** The current schema version, an integer ≥ 1. @default 1 */
  readonly version?: number;
  /** `upcasters[n]` turns data of version `n` into version `n + 1`; applied in a chain on read. */
  // biome-ignore lint/suspicious/noExplicitAny: an upcaster takes whatever an older version stored.
  readonly upcasters?: Readonly<Record<number, (data: any) => unknown>>;
}

/** One page of a read; pass `cursor` back to get the next page (absent on the last page). */
export interface EventPage<T = unknown> {
  readonly events: readonly StoredEvent<T>[];
  readonly cursor?: string;
}

/** Options of `history(aggregateId, options)`. */
export interface HistoryOptions {
  /** The first stream version to return. @default 1 */
  readonly fromVersion?: number;
  /** Events per page. @default 100 */
  readonly limit?: number;
  /** The previous page's `cursor`. */
  readonly cursor?: string;
}

/** Options of `byType(pattern, options)`. */
export interface ByTypeOptions {
  /** Events per page. @default 100 */
  readonly limit?: number;
  /** The previous page's `cursor`. */
  readonly cursor?: string;
}

/** Options of `replay(options)`. */
export interface ReplayOptions {
  /** Where to start: a position (events at or after it), or a time (`Date` or ISO 8601 string: events that occurred at or after it). @default 0 */
  readonly from?: number | Date | string;
  /** Only these types (exact names, or patterns such as `Order*`). @default all */
  readonly types?: string | readonly string[];
  /** Events per page. @default 100 */
  readonly limit?: number;
  /** The previous page's `cursor`. */
  readonly cursor?: string;
}

/** What `iterate(query)` walks: one aggregate's history, one type (pattern), or the whole store. */
export type EventQuery =
  | ({ readonly aggregateId: string } & Omit<HistoryOptions, 'cursor'>)
  | ({ readonly type: string } & Omit<ByTypeOptions, 'cursor'>)
  | ({ readonly replay: true } & Omit<ReplayOptions, 'cursor'>);

/** Options of `append(tx, aggregateId, events, options)`. */
export interface AppendOptions {
  /** The stream version the caller last saw (0: the stream must be new); anything else is `CONFLICT`. */
  readonly expectedVersion?: number;
}

/** What a handler gets beside the event. */
export interface DeliveryContext {
  /** The subscription group delivering it. */
  readonly group: string;
  /** 1 on the first try, 2 on the first retry, … (tries before a crash are not counted). */
  readonly attempt: number;
  /** In a `transactional` subscription: the transaction the checkpoint commits in. Write through it. */
  readonly tx?: SqlTransaction;
}

/** A handler fails by throwing, rejecting, or returning an `Err`. */
export type EventHandler<T = unknown> = (
  event: StoredEvent<T>,
  context: DeliveryContext,
) => void | Promise<unknown> | Result<unknown, unknown> | ResultAsync<unknown, unknown>;
