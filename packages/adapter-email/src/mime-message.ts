import { createHash } from 'node:crypto';
import type { EmailAddress } from '@keel/core';
import type { NormalizedEmail } from '@keel/core/adapter';
import type { SendMailOptions } from 'nodemailer';

/**
 * The message as nodemailer options, for the providers that speak MIME (SMTP, SES raw, the dev
 * outbox). Content is passed as bytes only and file/URL access is off, so nothing in a message
 * can make nodemailer read a file or fetch a URL.
 *
 * @example
 * await transporter.sendMail(toMailOptions(message));
 */
export function toMailOptions(
  message: NormalizedEmail,
  extraHeaders: readonly { key: string; value: string }[] = [],
): SendMailOptions {
  return {
    from: mailbox(message.from),
    to: message.to.map(mailbox),
    cc: message.cc.map(mailbox),
    bcc: message.bcc.map(mailbox),
    replyTo: message.replyTo.map(mailbox),
    subject: message.subject,
    ...(message.text === undefined ? {} : { text: message.text }),
    ...(message.html === undefined ? {} : { html: message.html }),
    attachments: message.attachments.map((a) => ({
      filename: a.filename,
      contentType: a.contentType,
      content: Buffer.from(a.content.buffer, a.content.byteOffset, a.content.byteLength),
      ...(a.contentId === undefined
        ? { contentDisposition: 'attachment' }
        : { cid: a.contentId, contentDisposition: 'inline' }),
    })),
    headers: [...message.headers.map((h) => ({ key: h.name, value: h.value })), ...extraHeaders],
    ...(message.idempotencyKey === undefined
      ? {}
      : { messageId: messageIdFor(message.idempotencyKey, message.from.email) }),
    envelope: { from: message.from.email, to: recipients(message) },
    disableFileAccess: true,
    disableUrlAccess: true,
    xMailer: false,
  };
}

/** Every recipient address (to, cc, bcc), in order. */
export function recipients(message: NormalizedEmail): string[] {
  return [...message.to, ...message.cc, ...message.bcc].map((a) => a.email);
}

/**
 * The same Message-ID for every send with the same idempotency key, so that a receiver that
 * de-duplicates on Message-ID drops a redelivery.
 *
 * @example
 * messageIdFor('order-42-confirmation', 'shop@example.com'); // '<k3a9…@example.com>'
 */
export function messageIdFor(idempotencyKey: string, from: string): string {
  const digest = createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 40);
  return `<keel.${digest}@${from.slice(from.lastIndexOf('@') + 1)}>`;
}

/** An address as an RFC 5322 mailbox for APIs that take text (`"Ada \"AL\" L" <ada@x.io>`); non-ASCII is left to the provider. */
export function formatAddress(address: EmailAddress): string {
  if (address.name === undefined) return address.email;
  const atext = /^[\p{L}\p{N}!#$%&'*+\-/=?^_`{|}~ ]+$/u;
  const name = atext.test(address.name) ? address.name : `"${address.name.replace(/(["\\])/g, '\\$1')}"`;
  return `${name} <${address.email}>`;
}

/** A Message-ID without its angle brackets. */
export function bareMessageId(id: string): string {
  return id.replace(/^\s*<(.*)>\s*$/s, '$1');
}

function mailbox(address: EmailAddress): { name: string; address: string } {
  return { name: address.name ?? '', address: address.email };
}
