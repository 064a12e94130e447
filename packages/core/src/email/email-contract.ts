import type { ResultAsync } from 'neverthrow';
import type { AdapterLifecycle } from '../lifecycle/health.js';
import type { EmailCapabilities } from './email-capabilities.js';
import type { EmailError } from './email-errors.js';

/** WIT `email.address`. */
export interface EmailAddress {
  readonly email: string;
  /** Display name; any Unicode except CR and LF. */
  readonly name?: string;
}

/** An address as callers may write it: `'ada@example.com'`, `'Ada Lovelace <ada@example.com>'`, or `{ email, name }`. */
export type EmailAddressInput = string | EmailAddress;

/** WIT `email.attachment`. */
export interface EmailAttachment {
  readonly filename: string;
  /** A MIME type such as `application/pdf`. */
  readonly contentType: string;
  readonly content: Uint8Array;
  /** Makes it an inline image, referenced from the HTML as `cid:<contentId>`. */
  readonly contentId?: string;
}

/** WIT `email.header`. */
export interface EmailHeader {
  readonly name: string;
  readonly value: string;
}

/**
 * WIT `email.message`, as callers write it: lists may be omitted, and an address may be a
 * string. Core validates it and hands adapters a `NormalizedEmail`.
 */
export interface EmailMessage {
  readonly from: EmailAddressInput;
  readonly to?: readonly EmailAddressInput[];
  readonly cc?: readonly EmailAddressInput[];
  readonly bcc?: readonly EmailAddressInput[];
  readonly replyTo?: readonly EmailAddressInput[];
  readonly subject: string;
  /** At least one of `text` and `html`. */
  readonly text?: string;
  readonly html?: string;
  readonly attachments?: readonly EmailAttachment[];
  /** Extra headers; those the message sets itself (From, To, Subject, …) are refused. */
  readonly headers?: readonly EmailHeader[];
  /** Provider tags or categories. */
  readonly tags?: readonly string[];
  /** Provider custom data (SendGrid custom args, Mailgun variables, SES message tags). */
  readonly metadata?: Readonly<Record<string, string>>;
  /** A repeat within the idempotency window returns the first receipt and sends nothing. */
  readonly idempotencyKey?: string;
}

/** The message adapters receive: validated, every list present, every address an object. */
export interface NormalizedEmail {
  readonly from: EmailAddress;
  readonly to: readonly EmailAddress[];
  readonly cc: readonly EmailAddress[];
  readonly bcc: readonly EmailAddress[];
  readonly replyTo: readonly EmailAddress[];
  readonly subject: string;
  readonly text: string | undefined;
  readonly html: string | undefined;
  readonly attachments: readonly EmailAttachment[];
  readonly headers: readonly EmailHeader[];
  readonly tags: readonly string[];
  readonly metadata: Readonly<Record<string, string>>;
  readonly idempotencyKey: string | undefined;
}

/** WIT `email.receipt`. */
export interface EmailReceipt {
  /** The provider's id for the message. */
  readonly messageId: string;
  /** Which provider accepted it (in a failover chain, the one that succeeded). */
  readonly provider: string;
  /** The recipient addresses the provider accepted. */
  readonly accepted: readonly string[];
}

/** The operations of WIT interface `keel:infrastructure/email`, name for name. */
export interface EmailOperations {
  send(message: EmailMessage): ResultAsync<EmailReceipt, EmailError>;
}

/**
 * An email sender as callers get it: `send`, guarded by core, plus lifecycle.
 *
 * @example
 * const sent = await keel.email.send({ from: 'Keel <hello@example.com>', to: ['ada@example.com'], subject: 'Welcome', text: 'Hi Ada' });
 * if (sent.isErr() && sent.error.code === 'RATE_LIMITED') retryIn(sent.error.retryAfterMs);
 */
export interface Email extends EmailOperations, AdapterLifecycle<EmailError> {
  readonly capabilities: EmailCapabilities;
}
