import type { EmailAttachment, EmailMessage } from '@keel/core';

interface StoredAttachment {
  readonly filename: string;
  readonly contentType: string;
  /** base64 */
  readonly content: string;
  readonly contentId?: string;
}

/**
 * A message as the outbox stores it: JSON, attachments base64. Only the fields of
 * `EmailMessage` are kept; addresses stay as the caller wrote them (core normalises them again
 * when the dispatcher sends).
 *
 * @example
 * decodeMessage(encodeMessage(message)); // the same message
 */
export function encodeMessage(message: EmailMessage, idempotencyKey: string): string {
  const { from, to, cc, bcc, replyTo, subject, text, html, attachments, headers, tags, metadata } = message;
  return JSON.stringify({
    from,
    to,
    cc,
    bcc,
    replyTo,
    subject,
    text,
    html,
    attachments: attachments?.map(
      (a): StoredAttachment => ({
        filename: a.filename,
        contentType: a.contentType,
        content: Buffer.from(a.content.buffer, a.content.byteOffset, a.content.byteLength).toString('base64'),
        ...(a.contentId === undefined ? {} : { contentId: a.contentId }),
      }),
    ),
    headers,
    tags,
    metadata,
    idempotencyKey,
  });
}

export function decodeMessage(stored: string): EmailMessage {
  const parsed = JSON.parse(stored) as Omit<EmailMessage, 'attachments'> & { attachments?: StoredAttachment[] };
  const attachments = parsed.attachments?.map(
    (a): EmailAttachment => ({
      filename: a.filename,
      contentType: a.contentType,
      content: new Uint8Array(Buffer.from(a.content, 'base64')),
      ...(a.contentId === undefined ? {} : { contentId: a.contentId }),
    }),
  );
  return { ...parsed, ...(attachments ? { attachments } : {}) } as EmailMessage;
}
