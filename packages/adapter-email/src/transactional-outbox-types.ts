import type { EmailError, EmailMessage, MigrationError, ResultAsync, Sql, SqlError, SqlTransaction } from '@keel/core';

/** What `enqueue` stored. */
export interface EnqueuedEmail {
  readonly id: string;
  /** The key every delivery of this message carries: the message's own, or `keel-outbox:<id>`. */
  readonly idempotencyKey: string;
}

/** What one dispatch pass did. */
export interface DispatchReport {
  /** Messages this pass claimed and tried. */
  readonly claimed: number;
  readonly sent: number;
  /** Failed for now; tried again after a backoff. */
  readonly retried: number;
  /** Moved to the dead letters (rejected, invalid, or out of attempts). */
  readonly dead: number;
  /** Handed back untried (the email adapter was closed). */
  readonly released: number;
}

/** Messages per status. */
export interface OutboxCounts {
  readonly pending: number;
  readonly sent: number;
  readonly dead: number;
}

/** A message that will not be tried again unless `requeue`d. */
export interface DeadLetter {
  readonly id: string;
  readonly idempotencyKey: string;
  readonly attempts: number;
  readonly errorCode: string | null;
  readonly error: string | null;
  readonly createdAt: number;
}

/** A transactional outbox for email: write in the business transaction, deliver after it commits. */
export interface EmailOutbox {
  /** Creates (or brings up to date) the outbox table with core's migrator. Safe from several processes. */
  migrate(): ResultAsync<void, MigrationError>;
  /**
   * Stores a message inside the caller's transaction: it exists, and will be delivered, if and
   * only if that transaction commits. The message is validated now (`INVALID_MESSAGE`).
   */
  enqueue(
    tx: SqlTransaction | Sql,
    message: EmailMessage,
    options?: { readonly availableAt?: number },
  ): ResultAsync<EnqueuedEmail, EmailError | SqlError>;
  /** One pass: claims due messages (with a lease), sends them, and records each outcome. */
  dispatchOnce(): ResultAsync<DispatchReport, SqlError>;
  /** Runs passes in the background until `stop()`; idle passes wait `pollIntervalMs`. */
  start(): void;
  /** Cuts the current wait short (call after committing an `enqueue` to send at once). */
  wake(): void;
  /** Stops the background passes after the one in progress. */
  stop(): Promise<void>;
  counts(): ResultAsync<OutboxCounts, SqlError>;
  deadLetters(limit?: number): ResultAsync<DeadLetter[], SqlError>;
  /** Moves a dead letter back to pending with its attempts reset; `false` when it is not dead. */
  requeue(id: string): ResultAsync<boolean, SqlError>;
  /** Deletes sent messages older than `olderThanMs`; returns how many. */
  purgeSent(olderThanMs: number): ResultAsync<number, SqlError>;
}
