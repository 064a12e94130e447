import { type ResultAsync, errAsync, okAsync } from '@keel/core';
import { EventsError, sqlFailure } from './events-errors.js';
import { rawEvent, storedEvent, type RawEvent } from './event-rows.js';
import type { StoredEvent } from './event-types.js';
import type { GroupStatements } from './group-statements.js';
import type { StoreParts } from './store-parts.js';

/**
 * An event a group gave up on after `maxAttempts` tries.
 *
 * @example
 * for (const letter of (await events.deadLetters('billing'))._unsafeUnwrap()) logger.warn({ id: letter.event.id }, letter.error);
 */
export interface DeadLetter {
  readonly group: string;
  /** The event, upcast when it can be (as stored otherwise). */
  readonly event: StoredEvent;
  readonly attempts: number;
  /** The last failure's words. */
  readonly error: string;
  /** `requeued`: waiting for its partition's consumer to try it once more. */
  readonly status: 'dead' | 'requeued';
  /** ISO 8601. */
  readonly failedAt: string;
}

/**
 * One partition of a group, as its checkpoint row says.
 *
 * @example
 * const lagging = (await events.checkpoints('billing'))._unsafeUnwrap().filter((p) => p.attempts > 0);
 */
export interface PartitionStatus {
  readonly partition: number;
  /** The last event handled (or skipped as not matching). */
  readonly position: number;
  readonly owner: string | undefined;
  /** ms since the epoch. */
  readonly leaseUntil: number | undefined;
  /** Failed tries of the event at `failingPosition`, while it is being retried. */
  readonly attempts: number;
  readonly failingPosition: number | undefined;
  readonly retryAt: number | undefined;
  readonly lastError: string | undefined;
}

/** Inspecting and steering groups from anywhere (an admin page, a script): no subscription needed. */
export function groupAdmin(parts: StoreParts, g: GroupStatements) {
  const { sql, adapter, registry, clock } = parts;
  const checkGroup = (op: string, group: string) => {
    if (typeof group !== 'string' || group.length === 0) throw new TypeError(`${op}: expected a group name`);
  };

  const deadLetters = (group: string, options: { readonly after?: number; readonly limit?: number } = {}) => {
    checkGroup('deadLetters', group);
    return sql
      .query(g.deadLetters, [group, options.after ?? 0, options.limit ?? 100])
      .mapErr(sqlFailure('deadLetters', 'reading dead letters', adapter))
      .map(({ rows }) =>
        rows.map((row): DeadLetter => {
          const raw = rawEvent(row);
          const [attempts, error, status, failedAt] = row.slice(11);
          return {
            group,
            event: storedEvent(raw, registry).unwrapOr(asStored(raw)),
            attempts: Number(attempts),
            error: error as string,
            status: status as DeadLetter['status'],
            failedAt: new Date(Number(failedAt)).toISOString(),
          };
        }),
      );
  };

  const requeue = (group: string, position?: number): ResultAsync<number, EventsError> => {
    checkGroup('requeue', group);
    const run = position === undefined ? sql.execute(g.requeueAll, [group]) : sql.execute(g.requeue, [group, position]);
    return run.mapErr(sqlFailure('requeue', 'requeueing dead letters', adapter)).map(({ rowsAffected }) => {
      // The consumers look at their next beat; this process's at once.
      if (rowsAffected > 0) parts.hub.wakeAll(true);
      return rowsAffected;
    });
  };

  const discard = (group: string, position: number): ResultAsync<boolean, EventsError> => {
    checkGroup('discard', group);
    return sql
      .execute(g.discard, [group, position])
      .mapErr(sqlFailure('discard', 'discarding a dead letter', adapter))
      .map(({ rowsAffected }) => rowsAffected === 1);
  };

  const checkpoints = (group: string): ResultAsync<PartitionStatus[], EventsError> => {
    checkGroup('checkpoints', group);
    return sql
      .query(g.partitions, [group])
      .mapErr(sqlFailure('checkpoints', 'reading checkpoints', adapter))
      .map(({ rows }) =>
        rows.map(([part, position, owner, leaseUntil, attempts, failing, retryAt, lastError]) => ({
          partition: Number(part),
          position: Number(position),
          owner: (owner as string | null) ?? undefined,
          leaseUntil: optional(leaseUntil),
          attempts: Number(attempts),
          failingPosition: optional(failing),
          retryAt: optional(retryAt),
          lastError: (lastError as string | null) ?? undefined,
        })),
      );
  };

  /**
   * Moves every partition of a group back (or forward) so that delivery starts again at
   * `from` (a position: events at or after it). Owners lose their leases (their next fenced
   * write fails) and the consumers claim the partitions again from the new checkpoint.
   */
  const rewind = (group: string, from: number): ResultAsync<void, EventsError> => {
    checkGroup('rewind', group);
    if (!Number.isSafeInteger(from) || from < 1)
      throw new TypeError(`rewind: from must be a position ≥ 1, got ${from}`);
    return sql
      .execute(g.rewind, [from - 1, clock.now(), group])
      .mapErr(sqlFailure('rewind', 'rewinding the group', adapter))
      .andThen(({ rowsAffected }) => {
        if (rowsAffected > 0) {
          parts.hub.wakeAll();
          return okAsync(undefined);
        }
        const message = `rewind: no group '${group}' (a group exists once a consumer has subscribed with it)`;
        return errAsync(new EventsError({ code: 'NOT_FOUND', message, adapter, op: 'rewind' }));
      });
  };

  return { deadLetters, requeue, discard, checkpoints, rewind };
}

function optional(value: unknown): number | undefined {
  return value === null || value === undefined ? undefined : Number(value);
}

/** An event as stored, for a dead letter whose upcast fails. */
function asStored(raw: RawEvent): StoredEvent {
  return {
    id: raw.id,
    position: raw.position,
    type: raw.type,
    aggregateId: raw.aggregateId,
    streamVersion: raw.streamVersion,
    data: JSON.parse(raw.data),
    version: raw.schemaVersion,
    schemaVersion: raw.schemaVersion,
    occurredAt: new Date(raw.occurredAt).toISOString(),
    metadata: JSON.parse(raw.metadata),
  };
}
