import type { Result, Sql, SqlTransaction } from '@keel/core';

/** A notification's data: JSON, handed to the channel's templates as variables. */
export type NotificationData = { readonly [key: string]: string | number | boolean | NotificationData };

/** Where a notification goes, as the app knows it when it notifies (stored with a pending digest). */
export interface Recipient {
  /** The address the email channel sends to. */
  readonly email?: string;
  /** The locale the channel renders in. */
  readonly locale?: string;
}

/** One notification as a channel receives it. */
export interface Notification {
  readonly userId: string;
  /** What happened, such as `task-completed`: the preferences and the templates are per kind. */
  readonly kind: string;
  readonly data: NotificationData;
  readonly recipient: Recipient;
  /** Stable across retries and replays: a channel's idempotency key. */
  readonly id: string;
}

/** Several notifications of one kind for one user and period, delivered as one. */
export interface Digest {
  readonly userId: string;
  readonly kind: string;
  /** Oldest first. */
  readonly items: readonly NotificationData[];
  /** The recipient of the newest item. */
  readonly recipient: Recipient;
  /** The period, ms since the epoch: `[periodStart, periodEnd)`. */
  readonly periodStart: number;
  readonly periodEnd: number;
  /** Stable across retries of the digest job: `digest:<user>:<kind>:<channel>:<periodStart>`. */
  readonly id: string;
}

/**
 * A channel (email, realtime, …). Each delivery runs in a transaction of the notifications'
 * database: the email channel stores its message in the transactional outbox there, so a
 * notification and its mail commit together; a channel with nothing to store may ignore `tx`
 * and should then be idempotent on the `id` it is given.
 *
 * @example
 * const log: NotificationChannel = {
 *   deliver: async (_tx, n) => { console.log(n.kind, n.data); return ok(undefined); },
 *   deliverDigest: async (_tx, d) => { console.log(`${d.items.length} × ${d.kind}`); return ok(undefined); },
 * };
 */
export interface NotificationChannel {
  deliver(tx: SqlTransaction | Sql, notification: Notification): Promise<Result<void, Error>>;
  deliverDigest(tx: SqlTransaction | Sql, digest: Digest): Promise<Result<void, Error>>;
}
