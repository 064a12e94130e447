export { createSendgridEmail } from './sendgrid-email.js';
export type { SendgridEmailOptions } from './sendgrid-options.js';
export { createMailgunEmail } from './mailgun-email.js';
export { mailgunBaseUrls, type MailgunEmailOptions } from './mailgun-options.js';
export { createSesEmail } from './ses-email.js';
export type { SesEmailOptions } from './ses-options.js';
export { signV4, type AwsCredentials, type SigV4Parts, type SigV4Request, type SigV4Scope } from './sigv4.js';
export { createSmtpEmail } from './smtp-email.js';
export { smtpErrorCode } from './smtp-errors.js';
export type { SmtpEmailOptions, SmtpSecurity } from './smtp-options.js';
export { createOutboxEmail, type OutboxEmail, type OutboxEntry } from './outbox-email.js';
export type { OutboxEmailOptions } from './outbox-options.js';
export { createFailoverEmail } from './failover-email.js';
export type { FailoverEmailOptions, FailoverMember, FailoverMemberAdapter } from './failover-options.js';
export {
  createEmailOutbox,
  type EmailOutbox,
  type EnqueuedEmail,
  type DispatchReport,
  type OutboxCounts,
  type DeadLetter,
} from './transactional-outbox.js';
export type { EmailOutboxOptions } from './transactional-outbox-options.js';
export type {
  EmailReliabilityOptions,
  RetryOptions,
  CircuitBreakerOptions,
  IdempotencyOptions,
} from './reliability-options.js';
export { httpStatusCode, parseRetryAfter } from './http-provider.js';

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
