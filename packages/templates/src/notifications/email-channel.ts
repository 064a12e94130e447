import { err, ok, type Result } from '@keel/core';
import type { TemplateOutbox, Templates, TemplateVariables } from '../index.js';
import type { Digest, Notification, NotificationChannel } from './notification-channel.js';

/** How the email channel renders and sends. */
export interface EmailChannelOptions {
  readonly templates: Templates;
  /** The transactional outbox the mails are stored in (in the delivery's transaction). */
  readonly outbox: TemplateOutbox;
  readonly from: string;
  /** The template of one notification. @default the kind */
  readonly template?: (kind: string) => string;
  /** The template of a digest. @default `<kind>.digest` */
  readonly digestTemplate?: (kind: string) => string;
  /**
   * A digest's variables. Templates have no loops: a list is built here (escaped by the template
   * like any value). @default `{ count }`, the number of items
   */
  readonly digestVariables?: (digest: Digest) => TemplateVariables;
}

/**
 * The email channel: each notification or digest rendered from its template and stored in the
 * transactional outbox in the delivery's transaction, with the notification's id as its
 * idempotency key. A recipient without an email address gets nothing (`Ok`).
 *
 * @example
 * const email = emailChannel({ templates, outbox, from: 'App <app@example.com>' });
 * const notifications = createNotifications({ sql, jobs, channels: { email } });
 */
export function emailChannel(options: EmailChannelOptions): NotificationChannel {
  const template = options.template ?? ((kind: string) => kind);
  const digestTemplate = options.digestTemplate ?? ((kind: string) => `${kind}.digest`);
  const digestVariables = options.digestVariables ?? ((digest: Digest) => ({ count: digest.items.length }));
  const send = async (
    tx: Parameters<NotificationChannel['deliver']>[0],
    to: string | undefined,
    name: string,
    variables: TemplateVariables,
    locale: string | undefined,
    id: string,
  ): Promise<Result<void, Error>> => {
    if (to === undefined) return ok(undefined);
    const sent = await options.templates.send(
      name,
      variables,
      { from: options.from, to: [to], idempotencyKey: id },
      { outbox: options.outbox, tx, ...(locale === undefined ? {} : { locale }) },
    );
    return sent.isErr() ? err(sent.error) : ok(undefined);
  };
  return {
    deliver: (tx, n: Notification) => send(tx, n.recipient.email, template(n.kind), n.data, n.recipient.locale, n.id),
    deliverDigest: (tx, d: Digest) =>
      send(tx, d.recipient.email, digestTemplate(d.kind), digestVariables(d), d.recipient.locale, d.id),
  };
}
