import { err, ok, rowsToObjects, type Result, type Sql, type SqlTransaction, type SqlValue } from '@keel/core';
import type { EmailError, EmailMessage, SqlError } from '@keel/core';
import type { EmailOutbox } from '@keel/adapter-email';
import { unwrap } from './http-errors.js';

/** One row of a user's mail, as `GET /api/outbox` and the page show it. */
export interface OutboxRow {
  readonly id: string;
  readonly status: string;
  readonly attempts: number;
  readonly createdAt: number;
  readonly sentAt: number | null;
  readonly provider: string | null;
  readonly providerMessageId: string | null;
  readonly lastErrorCode: string | null;
  readonly to: string[];
  readonly subject: string;
  readonly text: string;
  /** The http(s) links in the text: how a page shows a verification or reset link. */
  readonly links: string[];
}

/**
 * The app's mail: enqueued in the transactional outbox and recorded as one user's, by user id,
 * in the same transaction (table `user_mail`); listed per user. Never matched by address.
 *
 * @example
 * const mail = createMailStore(keel.sql, outbox);
 * await mail.send(userId, { from, to: [email], subject: 'Hi', text: 'Hello' });
 * const rows = await mail.outboxFor(userId);
 */
export function createMailStore(sql: Sql, outbox: EmailOutbox) {
  return {
    /**
     * Enqueues `message` inside the caller's transaction, as `userId`'s. Call `wake()` after the
     * commit. A message whose `idempotencyKey` was enqueued before is not enqueued again: the
     * outbox itself stores every copy (its key only lets a provider drop a second send).
     */
    async enqueueIn(
      tx: SqlTransaction,
      userId: string,
      message: EmailMessage,
    ): Promise<Result<void, SqlError | EmailError>> {
      const key = message.idempotencyKey ?? null;
      if (key !== null) {
        const seen = await tx.query('SELECT 1 FROM user_mail WHERE idempotency_key = ?', [key]);
        if (seen.isErr()) return err(seen.error);
        if (seen.value.rows.length > 0) return ok(undefined);
      }
      const queued = await outbox.enqueue(tx, message);
      if (queued.isErr()) return err(queued.error);
      const owned = await tx.execute(
        'INSERT INTO user_mail (outbox_id, user_id, created_at, idempotency_key) VALUES (?, ?, ?, ?)',
        [queued.value.id, userId, Date.now(), key],
      );
      return owned.isErr() ? err(owned.error) : ok(undefined);
    },

    /** Enqueues `message` as `userId`'s in a transaction of its own, and wakes the dispatcher. */
    async send(userId: string, message: EmailMessage): Promise<void> {
      await unwrap(sql.transaction((tx) => this.enqueueIn(tx, userId, message)));
      outbox.wake();
    },

    wake: () => outbox.wake(),

    /**
     * The outbox rows the app sent to `userId`, newest first: joined on the user id recorded when
     * the mail was enqueued, never matched by address (one address can be part of another).
     */
    async outboxFor(userId: string, limit = 50): Promise<OutboxRow[]> {
      const result = await unwrap(
        sql.query(
          `SELECT o.id, o.status, o.attempts, o.created_at, o.sent_at, o.provider, o.provider_message_id,
             o.last_error_code, o.message
           FROM user_mail u JOIN keel_email_outbox o ON o.id = u.outbox_id
           WHERE u.user_id = ? ORDER BY u.created_at DESC, u.outbox_id LIMIT ?`,
          [userId, limit],
        ),
      );
      return rowsToObjects(result).map(toOutboxRow);
    },
  };
}

export type MailStore = ReturnType<typeof createMailStore>;

function toOutboxRow(row: Record<string, SqlValue>): OutboxRow {
  const message = JSON.parse(String(row.message)) as { to?: unknown[]; subject?: string; text?: string };
  const to = (message.to ?? []).map((a) =>
    typeof a === 'string' ? a : String((a as { address?: string }).address ?? JSON.stringify(a)),
  );
  const nullable = (v: SqlValue | undefined) => (v === null || v === undefined ? null : String(v));
  const text = message.text ?? '';
  return {
    id: String(row.id),
    status: String(row.status),
    attempts: Number(row.attempts),
    createdAt: Number(row.created_at),
    sentAt: row.sent_at === null ? null : Number(row.sent_at),
    provider: nullable(row.provider),
    providerMessageId: nullable(row.provider_message_id),
    lastErrorCode: nullable(row.last_error_code),
    to,
    subject: message.subject ?? '',
    text,
    links: text.match(/https?:\/\/[^\s"<>]+/g) ?? [],
  };
}
