import { randomUUID } from 'node:crypto';
import { createMigrator, err, ok, type Result, type Sql, type SqlTransaction } from '@keel/core';
import { parseOptions } from '@keel/core/adapter';
import { DIGEST_JOB, type DigestPayload } from './digest-job.js';
import type { NotificationData, Recipient } from './notification-channel.js';
import { notificationsMigrations } from './notifications-migrations.js';
import { notificationsOptions, type NotificationsOptions } from './notifications-options.js';
import type { DeliveryMode, Notifications, NotifyReport, Preference } from './notifications-types.js';

/**
 * Notifications: each user's mode per kind and channel, immediate deliveries in the caller's
 * transaction, and digests — a kind's notifications of one period gathered and delivered once at
 * its end by a job of `@keel/jobs` (one per user, kind, channel and period: enqueued with a dedupe
 * key, and idempotent, because the pending rows go in the transaction that delivers them).
 *
 * @example
 * const jobs = createJobs({ sql, jobs: notificationJobs });
 * const notifications = createNotifications({ sql, jobs, channels: { email: emailChannel({ templates, outbox, from }) } });
 * await notifications.migrate();
 * notifications.work();
 * await sql.transaction((tx) => notifications.notify(tx, { userId, kind: 'task-completed', data: { title }, recipient: { email } }));
 */
export function createNotifications(options: NotificationsOptions): Notifications {
  const o = parseOptions(notificationsOptions, options, 'createNotifications');
  const { sql, jobs, channels, clock, periodMs } = o;
  const t = o.table;
  const migrator = createMigrator(sql, { migrations: notificationsMigrations(t), scope: `keel-notifications:${t}` });

  const modesOf = async (db: Pick<Sql, 'query'>, userId: string, kind: string) => {
    const found = await db.query(`SELECT channel, mode FROM ${t}_preferences WHERE user_id = ? AND kind = ?`, [
      userId,
      kind,
    ]);
    if (found.isErr()) return err(found.error);
    const stored = new Map(found.value.rows.map(([c, m]) => [String(c), String(m) as DeliveryMode]));
    const modes = Object.keys(channels).map((c) => [c, stored.get(c) ?? o.defaults[c] ?? 'immediate'] as const);
    return ok(modes);
  };

  const keep = async (
    tx: SqlTransaction | Sql,
    channel: string,
    input: { userId: string; kind: string; data: NotificationData; recipient: Recipient },
  ) => {
    const now = clock.now();
    const periodStart = Math.floor(now / periodMs) * periodMs;
    const row = [
      input.userId,
      input.kind,
      channel,
      periodStart,
      JSON.stringify(input.recipient),
      JSON.stringify(input.data),
      now,
    ];
    const kept = await tx.execute(
      `INSERT INTO ${t}_pending (user_id, kind, channel, period_start, recipient, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      row,
    );
    if (kept.isErr()) return err(kept.error);
    const payload: DigestPayload = { userId: input.userId, kind: input.kind, channel, periodStart };
    const dedupeKey = `${input.userId}:${input.kind}:${channel}:${periodStart}`;
    const queued = await jobs.enqueue(tx as SqlTransaction, DIGEST_JOB, payload, {
      runAt: periodStart + periodMs,
      dedupeKey,
    });
    return queued.isErr() ? err(queued.error) : ok(undefined);
  };

  // Gathers the user's pending items of the period (and any older left behind) and hands them to
  // the channel in the transaction that deletes them: a second run of the job finds none.
  const digest = (payload: DigestPayload) =>
    sql.transaction(async (tx): Promise<Result<number, Error>> => {
      const channel = channels[payload.channel];
      if (!channel) return err(new Error(`no channel "${payload.channel}" for a pending digest`));
      const found = await tx.query(
        `SELECT id, recipient, data FROM ${t}_pending WHERE user_id = ? AND kind = ? AND channel = ? AND period_start <= ?
         ORDER BY id`,
        [payload.userId, payload.kind, payload.channel, payload.periodStart],
      );
      if (found.isErr()) return err(found.error);
      const rows = found.value.rows;
      if (rows.length === 0) return ok(0);
      const last = rows[rows.length - 1] as readonly unknown[];
      const delivered = await channel.deliverDigest(tx, {
        userId: payload.userId,
        kind: payload.kind,
        items: rows.map((r) => JSON.parse(String(r[2])) as NotificationData),
        recipient: JSON.parse(String(last[1])) as Recipient,
        periodStart: payload.periodStart,
        periodEnd: payload.periodStart + periodMs,
        id: `digest:${payload.userId}:${payload.kind}:${payload.channel}:${payload.periodStart}`,
      });
      if (delivered.isErr()) return err(delivered.error);
      const ids = rows.map((r) => Number(r[0]));
      const removed = await tx.execute(`DELETE FROM ${t}_pending WHERE id IN (${ids.map(() => '?').join(', ')})`, ids);
      return removed.isErr() ? err(removed.error) : ok(rows.length);
    });

  return {
    migrate: () => migrator.up().map(() => undefined),

    setPreference: (userId: string, preference: Preference) => {
      if (!channels[preference.channel]) throw new TypeError(`setPreference: no channel "${preference.channel}"`);
      const args = [userId, preference.kind, preference.channel, preference.mode, clock.now()];
      return sql
        .transaction(async (tx) => {
          const gone = await tx.execute(
            `DELETE FROM ${t}_preferences WHERE user_id = ? AND kind = ? AND channel = ?`,
            args.slice(0, 3),
          );
          if (gone.isErr()) return err(gone.error);
          return tx.execute(
            `INSERT INTO ${t}_preferences (user_id, kind, channel, mode, updated_at) VALUES (?, ?, ?, ?, ?)`,
            args,
          );
        })
        .map(() => undefined);
    },

    preferences: (userId: string) =>
      sql
        .query(`SELECT kind, channel, mode FROM ${t}_preferences WHERE user_id = ? ORDER BY kind, channel`, [userId])
        .map(({ rows }) =>
          rows.map(([kind, channel, mode]) => ({
            kind: String(kind),
            channel: String(channel),
            mode: String(mode) as DeliveryMode,
          })),
        ),

    async notify(tx, input) {
      const modes = await modesOf(tx, input.userId, input.kind);
      if (modes.isErr()) return err(modes.error);
      const id = input.id ?? randomUUID();
      const report: Record<string, DeliveryMode> = {};
      for (const [name, mode] of modes.value) {
        report[name] = mode;
        const channel = channels[name];
        if (mode === 'off' || !channel) continue;
        const done = mode === 'digest' ? await keep(tx, name, input) : await channel.deliver(tx, { ...input, id });
        if (done.isErr()) return err(done.error);
      }
      return ok(report as NotifyReport);
    },

    work: (options) =>
      jobs.work(
        DIGEST_JOB,
        async ({ payload }) => {
          const done = await digest(payload);
          if (done.isErr()) throw done.error;
          return done.value;
        },
        options,
      ),
  };
}
