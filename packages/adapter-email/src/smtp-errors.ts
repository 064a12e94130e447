import { EmailError, type EmailErrorCode } from '@keel/core';

interface NodemailerError {
  readonly message?: string;
  readonly code?: string;
  readonly responseCode?: number;
  readonly response?: string;
  readonly command?: string;
}

const CONNECTION_CODES = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'ETLS',
  'EPROTOCOL',
  'EPROXY',
  'EMAXLIMIT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
]);
// Replies that say "slow down" rather than "not now": enhanced status 4.7.x (policy), or the words.
const RATE_LIMIT = /\b4\.7\.\d{1,3}\b|rate|too many|throttl|limit exceeded|try again later/i;

/**
 * The code of an SMTP failure. Credentials refused (535, 530, 534, 538, or no credentials
 * offered) is `AUTH_FAILED`; a 4xx reply is `RATE_LIMITED` when it says so (4.7.x, "rate",
 * "too many") and `UNAVAILABLE` otherwise; a connection, STARTTLS/TLS or timeout failure is
 * `UNAVAILABLE` whatever the reply; any other 5xx reply is `REJECTED`.
 *
 * @example
 * smtpErrorCode({ code: 'EENVELOPE', responseCode: 550, response: '550 5.1.1 No such user' }); // 'REJECTED'
 */
export function smtpErrorCode(error: NodemailerError): EmailErrorCode {
  const reply = error.responseCode;
  if (
    error.code === 'EAUTH' ||
    error.code === 'ENOAUTH' ||
    reply === 530 ||
    reply === 534 ||
    reply === 535 ||
    reply === 538
  )
    return 'AUTH_FAILED';
  if (reply !== undefined && reply >= 400 && reply < 500)
    return RATE_LIMIT.test(error.response ?? '') ? 'RATE_LIMITED' : 'UNAVAILABLE';
  // A session that could not be set up (greeting, STARTTLS, socket) is not a verdict on the message.
  if (error.code === 'EABORT' || (error.code !== undefined && CONNECTION_CODES.has(error.code))) return 'UNAVAILABLE';
  if ((reply !== undefined && reply >= 500) || error.code === 'EENVELOPE') return 'REJECTED';
  return 'INTERNAL';
}

/** A nodemailer failure as an `EmailError`, the server's reply in the message and `status`. */
export function smtpError(thrown: unknown, signal: AbortSignal): EmailError {
  if (thrown instanceof EmailError) return thrown;
  const error = (thrown ?? {}) as NodemailerError;
  const timedOut = signal.aborted && (signal.reason as Error | undefined)?.name === 'TimeoutError';
  const code = timedOut ? 'UNAVAILABLE' : smtpErrorCode(error);
  const detail = timedOut ? 'timed out' : (error.response ?? error.message ?? String(thrown));
  return new EmailError({
    code,
    message: `smtp: ${error.command ? `${error.command}: ` : ''}${detail}`,
    adapter: 'smtp',
    op: 'send',
    cause: thrown,
    ...(error.responseCode === undefined ? {} : { status: error.responseCode }),
  });
}
