import { err, ok, type Sql } from '@keel/core';
import type { Templates } from '@keel/templates';
import { createNotifications, type NotificationChannel, type Notifications } from '@keel/templates/notifications';
import type { AppJobs } from './app-jobs.js';
import { sender } from './auth-mail.js';
import type { MailStore } from './mail-store.js';

/**
 * The app's notifications: the "task completed" mail, immediate by default, or one digest a day
 * ("3 tasks were completed today") for a user who chose it (`PUT /api/preferences`).
 *
 * @example
 * const notifications = createAppNotifications(keel.sql, jobs, templates, mail);
 * await unwrap(notifications.migrate());
 * notifications.work();
 */
export function createAppNotifications(sql: Sql, jobs: AppJobs, templates: Templates, mail: MailStore): Notifications {
  return createNotifications({ sql, jobs, channels: { email: userMailChannel(templates, mail) } });
}

/**
 * Email as the app sends it: rendered from the templates and enqueued by the mail store as the
 * user's mail, in the delivery's transaction. The idempotency key is the notification's (the
 * event's) id, which the mail store enqueues only once.
 */
function userMailChannel(templates: Templates, mail: MailStore): NotificationChannel {
  const enqueue = async (
    tx: Parameters<NotificationChannel['deliver']>[0],
    userId: string,
    to: string | undefined,
    name: string,
    variables: Parameters<Templates['render']>[1],
    idempotencyKey: string,
  ) => {
    if (to === undefined) return ok(undefined);
    const message = await templates.message(name, variables, { from: sender, to: [to], idempotencyKey }, { tx });
    if (message.isErr()) return err(message.error);
    return mail.enqueueIn(tx as Parameters<MailStore['enqueueIn']>[0], userId, message.value);
  };
  return {
    deliver: (tx, n) => enqueue(tx, n.userId, n.recipient.email, n.kind, n.data, `${n.kind}:${n.id}`),
    deliverDigest: (tx, d) =>
      enqueue(tx, d.userId, d.recipient.email, `${d.kind}.digest`, digestVariables(d.items), d.id),
  };
}

function digestVariables(items: readonly { readonly [key: string]: unknown }[]) {
  return { count: items.length, titles: items.map((i) => String(i.title)).join(', ') };
}
