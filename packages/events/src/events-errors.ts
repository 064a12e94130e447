import { KeelError, type KeelErrorInit } from '@keel/core';

/** Why an events operation failed. Codes are stable; messages are not. */
export type EventsErrorCode =
  /** `publish`/`append` got a plain `Sql` where the caller's `SqlTransaction` belongs. */
  | 'NOT_IN_TRANSACTION'
  /** An event (its type, aggregate id or data) fails its checks; `field` names what to fix. */
  | 'VALIDATION'
  /** The event type is not registered and the store is strict about types. */
  | 'UNKNOWN_TYPE'
  /** The stream is not at `expectedVersion`; `currentVersion` says where it is (when known). */
  | 'CONFLICT'
  /** No such thing: a dead letter, a subscription group. */
  | 'NOT_FOUND'
  /** A page cursor that this store did not hand out (or of another query). */
  | 'INVALID_CURSOR'
  /** A stored event of an older schema version could not be brought to the current one. */
  | 'UPCAST_FAILED'
  /** A group already exists with another partition count; the group keeps its count. */
  | 'GROUP_MISMATCH'
  /** A handler failed (its failure is the cause): reported to `onError`; the event is tried again or dead-lettered. */
  | 'HANDLER_FAILED'
  /** The database failed (the `SqlError` or `MigrationError` is the cause). */
  | 'SQL';

export interface EventsErrorInit extends KeelErrorInit<EventsErrorCode> {
  /** What to fix, for `VALIDATION` and `UNKNOWN_TYPE`: `events[1].data.title`. */
  readonly field?: string;
  /** The stream's version when a `CONFLICT` happened, when known. */
  readonly currentVersion?: number;
}

/**
 * The error of every `@keel/events` operation.
 *
 * @example
 * const r = await events.append(tx, 'order-7', [{ type: 'OrderShipped', data: {} }], { expectedVersion: 3 });
 * if (r.isErr() && r.error.code === 'CONFLICT') logger.info({ at: r.error.currentVersion }, 'stream moved on');
 */
export class EventsError extends KeelError<EventsErrorCode> {
  override readonly name = 'EventsError';
  readonly field?: string;
  readonly currentVersion?: number;

  constructor(init: EventsErrorInit) {
    super(init);
    if (init.field !== undefined) this.field = init.field;
    if (init.currentVersion !== undefined) this.currentVersion = init.currentVersion;
  }
}

/** An `EventsError` of code `SQL` wrapping what the database said. */
export function sqlFailure(op: string, what: string, adapter: string) {
  return (cause: KeelError): EventsError =>
    new EventsError({ code: 'SQL', message: `${what} failed: ${cause.message}`, adapter, op, cause });
}
