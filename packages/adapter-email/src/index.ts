import { failoverAdapter } from './failover-email.js';
import { mailgunAdapter } from './mailgun-email.js';
import { outboxAdapter } from './outbox-email.js';
import { sendgridAdapter } from './sendgrid-email.js';
import { sesAdapter } from './ses-email.js';
import { smtpAdapter } from './smtp-email.js';

export { createSendgridEmail, sendgridAdapter } from './sendgrid-email.js';
export { sendgridOptions, type SendgridOptionsSchema, type SendgridEmailOptions } from './sendgrid-options.js';
export { createMailgunEmail, mailgunAdapter } from './mailgun-email.js';
export {
  mailgunBaseUrls,
  mailgunOptions,
  type MailgunOptionsSchema,
  type MailgunEmailOptions,
} from './mailgun-options.js';
export { createSesEmail, sesAdapter } from './ses-email.js';
export { sesOptions, type SesOptionsSchema, type SesEmailOptions } from './ses-options.js';
export type { AwsCredentials } from './sigv4.js';
export { createSmtpEmail, smtpAdapter } from './smtp-email.js';
export { smtpOptions, type SmtpOptionsSchema, type SmtpEmailOptions, type SmtpSecurity } from './smtp-options.js';
export { createOutboxEmail, outboxAdapter, type OutboxEmail, type OutboxEntry } from './outbox-email.js';
export { outboxOptions, type OutboxOptionsSchema, type OutboxEmailOptions } from './outbox-options.js';
export { createFailoverEmail, failoverAdapter } from './failover-email.js';
export {
  failoverOptions,
  type FailoverOptionsSchema,
  type FailoverEmailOptions,
  type FailoverMember,
  type FailoverMemberAdapter,
} from './failover-options.js';
export { createEmailOutbox } from './transactional-outbox.js';
export type {
  EmailOutbox,
  EnqueuedEmail,
  DispatchReport,
  OutboxCounts,
  DeadLetter,
} from './transactional-outbox-types.js';
export {
  emailOutboxOptions,
  type EmailOutboxOptionsSchema,
  type EmailOutboxOptions,
  type EmailOutboxServiceOptions,
} from './transactional-outbox-options.js';
export { emailOutboxService, emailOutboxToken } from './email-outbox-service.js';
export type { EmailReliabilityOptions, IdempotencyOptions } from './reliability-options.js';
export type { RetryOptions, CircuitBreakerOptions } from '@keel/core/adapter';

/**
 * Every email adapter of this package, to register at once.
 *
 * @example
 * import { emailAdapters } from '@keel/adapter-email';
 * const keel = (await createKeel({ email: { adapter: 'outbox' } }, { adapters: emailAdapters }))._unsafeUnwrap();
 */
export const emailAdapters = [
  sendgridAdapter,
  mailgunAdapter,
  sesAdapter,
  smtpAdapter,
  outboxAdapter,
  failoverAdapter,
] as const;

declare module '@keel/core' {
  interface EmailAdapterOptionsMap {
    sendgrid: import('./sendgrid-options.js').SendgridEmailOptions;
    mailgun: import('./mailgun-options.js').MailgunEmailOptions;
    ses: import('./ses-options.js').SesEmailOptions;
    smtp: import('./smtp-options.js').SmtpEmailOptions;
    outbox: import('./outbox-options.js').OutboxEmailOptions;
    failover: import('./failover-options.js').FailoverEmailOptions;
  }
}
