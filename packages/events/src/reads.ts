import { type ResultAsync, errAsync, type Result, type SqlValue } from '@keel/core';
import { EventsError, sqlFailure } from './events-errors.js';
import { storedEvents } from './event-rows.js';
import type {
  ByTypeOptions,
  EventPage,
  EventQuery,
  HistoryOptions,
  ReplayOptions,
  StoredEvent,
} from './event-types.js';
import { typePatterns } from './patterns.js';
import type { StoreParts } from './store-parts.js';

const defaultLimit = 100;
const maxLimit = 10_000;

/**
 * The store's reads, each a page: one aggregate's history in stream order, one type (or
 * pattern) in store order, everything from a position or a time. A cursor is opaque: it names
 * the query kind it belongs to and where the page ended.
 */
export function readers(parts: StoreParts) {
  const { sql, statements: s, registry, adapter } = parts;
  const page = (
    op: string,
    statement: string,
    params: SqlValue[],
    limit: number,
    next: (last: StoredEvent) => string,
  ) =>
    sql
      .query(statement, params)
      .mapErr(sqlFailure(op, 'reading events', adapter))
      .andThen(({ rows }) => storedEvents(rows, registry))
      .map((events): EventPage => {
        const last = events.at(-1);
        return events.length === limit && last ? { events, cursor: next(last) } : { events };
      });
  const invalid = (op: string, message: string) =>
    errAsync(new EventsError({ code: 'INVALID_CURSOR', message, adapter, op }));

  const history = (aggregateId: string, options: HistoryOptions = {}): ResultAsync<EventPage, EventsError> => {
    if (typeof aggregateId !== 'string' || aggregateId.length === 0)
      throw new TypeError('history: expected an aggregate id');
    const limit = limitOf('history', options.limit);
    let from = whole('history', 'fromVersion', options.fromVersion ?? 1, 1);
    if (options.cursor !== undefined) {
      const at = decodeCursor(options.cursor, 'h');
      if (at === undefined) return invalid('history', 'history: the cursor is not one history() handed out');
      from = at + 1;
    }
    return page('history', s.history, [aggregateId, from, limit], limit, (last) =>
      encodeCursor('h', last.streamVersion),
    );
  };

  const byType = (pattern: string, options: ByTypeOptions = {}): ResultAsync<EventPage, EventsError> => {
    const filter = typePatterns(pattern, 'byType').filter;
    const limit = limitOf('byType', options.limit);
    let after = 0;
    if (options.cursor !== undefined) {
      const at = decodeCursor(options.cursor, 't');
      if (at === undefined) return invalid('byType', 'byType: the cursor is not one byType() handed out');
      after = at;
    }
    return page('byType', s.after(filter, false), [after, ...(filter?.params ?? []), limit], limit, (last) =>
      encodeCursor('t', last.position),
    );
  };

  const replay = (options: ReplayOptions = {}): ResultAsync<EventPage, EventsError> => {
    const filter = options.types === undefined ? undefined : typePatterns(options.types, 'replay').filter;
    const limit = limitOf('replay', options.limit);
    const from = startOf(options.from);
    let after = from.position === undefined ? 0 : from.position - 1;
    if (options.cursor !== undefined) {
      const at = decodeCursor(options.cursor, 'r');
      if (at === undefined) return invalid('replay', 'replay: the cursor is not one replay() handed out');
      after = at;
    }
    const time = from.time === undefined ? [] : [from.time];
    return page(
      'replay',
      s.after(filter, from.time !== undefined),
      [after, ...time, ...(filter?.params ?? []), limit],
      limit,
      (last) => encodeCursor('r', last.position),
    );
  };

  /** Every page of a query, event by event. */
  async function* iterate(query: EventQuery): AsyncGenerator<StoredEvent, void, undefined> {
    let cursor: string | undefined;
    do {
      const next: Result<EventPage, EventsError> = await pageOf(query, cursor);
      if (next.isErr()) throw next.error;
      yield* next.value.events;
      cursor = next.value.cursor;
    } while (cursor !== undefined);
  }
  const pageOf = (query: EventQuery, cursor: string | undefined) => {
    const c = cursor === undefined ? {} : { cursor };
    if ('aggregateId' in query) return history(query.aggregateId, { ...query, ...c });
    if ('type' in query) return byType(query.type, { ...query, ...c });
    if ('replay' in query) return replay({ ...query, ...c });
    throw new TypeError('iterate: expected { aggregateId }, { type } or { replay: true }');
  };

  return { history, byType, replay, iterate };
}

function limitOf(op: string, limit: number | undefined): number {
  return whole(op, 'limit', limit ?? defaultLimit, 1, maxLimit);
}

function whole(op: string, name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new TypeError(`${op}: ${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

/** `from` as a position or a time in ms. */
function startOf(from: ReplayOptions['from']): { position?: number; time?: number } {
  if (from === undefined) return { position: 0 };
  if (typeof from === 'number') return { position: whole('replay', 'from', from, 0) };
  const time = from instanceof Date ? from.getTime() : typeof from === 'string' ? Date.parse(from) : Number.NaN;
  if (Number.isNaN(time)) {
    throw new TypeError(`replay: from must be a position, a Date or an ISO 8601 time, got ${JSON.stringify(from)}`);
  }
  return { time };
}

/** `base64url("<kind>:<n>")` */
function encodeCursor(kind: string, n: number): string {
  return Buffer.from(`${kind}:${n}`).toString('base64url');
}

function decodeCursor(cursor: string, kind: string): number | undefined {
  if (typeof cursor !== 'string') return undefined;
  const match = /^([a-z]):(\d{1,16})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match || match[1] !== kind) return undefined;
  const n = Number(match[2]);
  return Number.isSafeInteger(n) ? n : undefined;
}
