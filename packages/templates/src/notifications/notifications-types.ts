import type { MigrationError, Result, ResultAsync, Sql, SqlError, SqlTransaction } from '@keel/core';
import type { Worker, WorkOptions } from '@keel/jobs';
import type { NotificationData, Recipient } from './notification-channel.js';

/** How a user gets a kind of notification on a channel. */
export type DeliveryMode = 'immediate' | 'digest' | 'off';

/** What the app notifies. */
export interface NotifyInput {
  readonly userId: string;
  readonly kind: string;
  readonly data: NotificationData;
  readonly recipient: Recipient;
  /** Stable across replays (an event's id): the channels' idempotency key. @default a random UUID */
  readonly id?: string;
}

/** What `notify` did per channel. */
export type NotifyReport = Readonly<Record<string, DeliveryMode>>;

/** A user's mode for one kind on one channel. */
export interface Preference {
  readonly kind: string;
  readonly channel: string;
  readonly mode: DeliveryMode;
}

/** Notifications with per-user channel preferences and digests run by `@keel/jobs`. */
export interface Notifications {
  /** Creates (or brings up to date) the tables with core's migrator. */
  migrate(): ResultAsync<void, MigrationError>;
  /** Sets a user's mode for a kind on a channel (an unknown channel throws: a programming mistake). */
  setPreference(userId: string, preference: Preference): ResultAsync<void, SqlError>;
  /** The user's stored preferences; a kind and channel not listed has the channel's default. */
  preferences(userId: string): ResultAsync<Preference[], SqlError>;
  /**
   * Notifies in the caller's transaction: delivered now on `immediate` channels, kept for the
   * period's digest on `digest` ones (its job enqueued once per user, kind, channel and period),
   * skipped on `off` ones. Nothing happens unless the transaction commits.
   */
  notify(tx: SqlTransaction | Sql, input: NotifyInput): Promise<Result<NotifyReport, Error>>;
  /** Starts the digest worker in this process (`@keel/jobs`' `work`). */
  work(options?: WorkOptions): Result<Worker, Error>;
}
