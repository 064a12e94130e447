import { randomUUID } from 'node:crypto';
import {
  ResultAsync,
  currentContext,
  err,
  ok,
  type Result,
  type SqlError,
  type SqlTransaction,
  type SqlValue,
} from '@keel/core';
import { EventsError, sqlFailure } from './events-errors.js';
import type { PreparedEvent } from './event-registry.js';
import { insertChunk } from './event-statements.js';
import { publishSpan } from './event-tracing.js';
import type { EventInput, EventMetadata, StoredEvent } from './event-types.js';
import type { StoreParts } from './store-parts.js';

/** `append`'s condition: the one stream written, and the version the caller saw. */
interface Expectation {
  readonly aggregateId: string;
  readonly expectedVersion: number | undefined;
}

/**
 * Appends events in the caller's transaction: checks them, takes the publishers' turn
 * (PostgreSQL), numbers each event in its aggregate's stream, inserts them, and has the
 * in-process subscribers woken once the transaction ends. Whatever fails leaves the caller's
 * transaction to roll back; nothing is half-written after that.
 */
export function publisher(parts: StoreParts) {
  const { statements: s, registry, adapter } = parts;
  const failure = (op: string, code: 'NOT_IN_TRANSACTION' | 'CONFLICT', message: string, currentVersion?: number) =>
    new EventsError({ code, message, adapter, op, ...(currentVersion === undefined ? {} : { currentVersion }) });

  const run = async (
    op: 'publish' | 'append',
    tx: SqlTransaction,
    inputs: readonly unknown[],
    expectation?: Expectation,
  ): Promise<Result<StoredEvent[], EventsError>> => {
    if (!isTransaction(tx)) {
      return err(
        failure(
          op,
          'NOT_IN_TRANSACTION',
          `${op} needs the caller's transaction (sql.transaction(async (tx) => events.${op}(tx, …))), got a plain Sql: the events would commit apart from your change`,
        ),
      );
    }
    const prepared: PreparedEvent[] = [];
    for (const [i, input] of inputs.entries()) {
      const field = inputs.length === 1 && op === 'publish' ? 'event' : `events[${i}]`;
      const event = await registry.prepare(input, field);
      if (event.isErr()) return err(event.error);
      prepared.push(event.value);
    }
    if (prepared.length === 0) return ok([]);
    const observability = parts.observability;
    const span = observability?.tracing ? publishSpan(observability, prepared) : undefined;
    if (span === undefined) return write(op, tx, prepared, expectation, null);
    const written = await span.watch.within(() => write(op, tx, prepared, expectation, span.trace));
    span.watch.end(written.isErr() ? written.error : undefined);
    return written;
  };

  /** Takes the streams' turn, numbers and inserts the events, and announces them. */
  const write = async (
    op: 'publish' | 'append',
    tx: SqlTransaction,
    prepared: readonly PreparedEvent[],
    expectation: Expectation | undefined,
    trace: string | null,
  ): Promise<Result<StoredEvent[], EventsError>> => {
    const sqlErr = (what: string) => sqlFailure(op, what, adapter);

    const aggregates = [...new Set(prepared.map((e) => e.aggregateId))];
    // In key order, so two transactions locking the same aggregates cannot deadlock each other.
    const keys = [...new Set(aggregates.map(parts.aggregateKey))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (s.begin) {
      const begun = await tx.query(s.begin(keys.length), [...parts.storeLock, ...keys]);
      if (begun.isErr()) return err(sqlErr('locking the streams')(begun.error));
    }
    const versions = await tx.query(s.currentVersions(aggregates.length), aggregates);
    if (versions.isErr()) return err(sqlErr('reading the streams’ versions')(versions.error));
    const current = new Map<string, number>();
    for (const [aggregateId, version] of versions.value.rows) current.set(aggregateId as string, Number(version));
    if (expectation?.expectedVersion !== undefined) {
      const at = current.get(expectation.aggregateId) ?? 0;
      if (at !== expectation.expectedVersion) {
        const message = `stream '${expectation.aggregateId}' is at version ${at}, not the expected ${expectation.expectedVersion}; read it again and retry`;
        return err(failure(op, 'CONFLICT', message, at));
      }
    }

    const metadata = metadataJson();
    const occurredAt = parts.clock.now();
    const rows = prepared.map((e) => {
      const streamVersion = (current.get(e.aggregateId) ?? 0) + 1;
      current.set(e.aggregateId, streamVersion);
      return { ...e, id: randomUUID(), streamVersion };
    });
    const positions = new Map<string, number>();
    for (let from = 0; from < rows.length; from += insertChunk) {
      const chunk = rows.slice(from, from + insertChunk);
      const params: SqlValue[] = [];
      for (const r of chunk) {
        params.push(
          r.id,
          r.aggregateId,
          r.streamVersion,
          r.type,
          r.schemaVersion,
          r.json,
          metadata.json,
          occurredAt,
          r.bucket,
          trace,
        );
      }
      const inserted = await tx.query(s.insert(chunk.length), params);
      if (inserted.isErr()) return err(insertFailure(op, inserted.error, aggregates, adapter));
      for (const [id, position] of inserted.value.rows) positions.set(id as string, Number(position));
    }
    const announced = await parts.hub.published(tx, [...new Set(rows.map((r) => r.bucket))], keys[0] as bigint);
    if (announced) return err(announceFailure(op, announced, adapter));
    const occurred = new Date(occurredAt).toISOString();
    return ok(
      rows.map((r) =>
        Object.freeze({
          id: r.id,
          position: positions.get(r.id) as number,
          type: r.type,
          aggregateId: r.aggregateId,
          streamVersion: r.streamVersion,
          data: r.data,
          version: r.schemaVersion,
          schemaVersion: r.schemaVersion,
          occurredAt: occurred,
          metadata: metadata.value,
        }),
      ),
    );
  };

  return {
    publish: (tx: SqlTransaction, events: EventInput | readonly EventInput[]) =>
      new ResultAsync(run('publish', tx, Array.isArray(events) ? events : [events])),
    append: (
      tx: SqlTransaction,
      aggregateId: string,
      events: readonly Omit<EventInput, 'aggregateId'>[],
      expectedVersion: number | undefined,
    ) => {
      if (expectedVersion !== undefined && !(Number.isInteger(expectedVersion) && expectedVersion >= 0)) {
        throw new TypeError(`append: expectedVersion must be an integer ≥ 0 (0: a new stream), got ${expectedVersion}`);
      }
      if (!Array.isArray(events)) throw new TypeError('append: events must be an array');
      const inputs = events.map((e) => (typeof e === 'object' && e !== null ? { ...e, aggregateId } : e));
      return new ResultAsync(run('append', tx, inputs, { aggregateId, expectedVersion }));
    },
  };
}

/** A Keel transaction (or savepoint), not a plain `Sql`. */
function isTransaction(tx: unknown): tx is SqlTransaction {
  const candidate = tx as Partial<SqlTransaction> | null;
  return (
    (typeof candidate === 'object' || typeof candidate === 'function') &&
    candidate !== null &&
    typeof candidate.depth === 'number' &&
    candidate.depth >= 1 &&
    typeof candidate.query === 'function'
  );
}

/** The caller's context, as stored with each event. */
function metadataJson(): { value: EventMetadata; json: string } {
  const { actor, correlationId, tenantId } = currentContext();
  const value: EventMetadata = Object.freeze({
    ...(actor === undefined ? {} : { actor }),
    ...(correlationId === undefined ? {} : { correlationId }),
    ...(tenantId === undefined ? {} : { tenantId }),
  });
  return { value, json: JSON.stringify(value) };
}

/** A wake source could not announce the events: the transaction may be broken, so the publish fails. */
function announceFailure(op: string, cause: Error, adapter: string): EventsError {
  const message = `announcing the events failed: ${cause.message}; roll the transaction back`;
  return new EventsError({ code: 'SQL', message, adapter, op, cause });
}

/** Two writers numbered the same stream version (possible under REPEATABLE READ): a conflict. */
function insertFailure(op: string, cause: SqlError, aggregates: readonly string[], adapter: string): EventsError {
  if (cause.code === 'CONSTRAINT_VIOLATION' && cause.constraint === 'unique') {
    return new EventsError({
      code: 'CONFLICT',
      message: `another transaction appended to stream ${aggregates.map((a) => `'${a}'`).join(', ')} at the same time; retry the transaction`,
      adapter,
      op,
      cause,
    });
  }
  return sqlFailure(op, 'inserting the events', adapter)(cause);
}
