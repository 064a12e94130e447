import { errAsync } from 'neverthrow';
import { toInterfaceError } from '../errors/to-interface-error.js';
import { adapterLifecycle } from '../lifecycle/adapter-lifecycle.js';
import { guardedCall, type GuardErrors } from '../lifecycle/guarded-call.js';
import { Lifecycle } from '../lifecycle/lifecycle.js';
import type { Email } from './email-contract.js';
import type { EmailDriver } from './email-driver.js';
import { EmailError } from './email-errors.js';
import { defaultEmailLimits } from './email-limits.js';
import { normalizeEmail } from './email-validate.js';

/**
 * Wraps an email driver in core's guard: every message is validated and normalised before the
 * driver sees it (an invalid one is `INVALID_MESSAGE` and nothing is sent), the lifecycle is
 * enforced, and anything the driver throws becomes an `Err`.
 *
 * @example
 * export function createPostmarkEmail(options: PostmarkOptions): Email {
 *   return defineEmail({ adapter: 'postmark', capabilities, limits: { maxRecipients: 50 }, send: (message) => post(message) });
 * }
 */
export function defineEmail(driver: EmailDriver): Email {
  const adapter = driver.adapter;
  const limits = { ...defaultEmailLimits, ...driver.limits };
  const lifecycle = new Lifecycle(
    () => driver.open?.(),
    () => driver.close?.(),
  );
  const errors: GuardErrors<EmailError> = {
    fromThrown: (thrown, op) => toEmailError(thrown, adapter, op),
    notOpen: (op) => new EmailError({ code: 'NOT_OPEN', message: `email adapter '${adapter}' is closed`, adapter, op }),
  };
  const email: Email = {
    adapter,
    capabilities: Object.freeze({ ...driver.capabilities }),
    send(message) {
      const normalized = normalizeEmail(message, limits);
      if (typeof normalized === 'string') {
        return errAsync(new EmailError({ code: 'INVALID_MESSAGE', message: normalized, adapter, op: 'send' }));
      }
      const unsupported = unsupportedFeature(normalized, driver);
      if (unsupported)
        return errAsync(new EmailError({ code: 'INVALID_MESSAGE', message: unsupported, adapter, op: 'send' }));
      return guardedCall(lifecycle, errors, 'send', () => driver.send(normalized));
    },
    ...adapterLifecycle(adapter, lifecycle, errors, () => driver.health?.()),
  };
  return Object.freeze(email);
}

function unsupportedFeature(
  message: ReturnType<typeof normalizeEmail> & object,
  driver: EmailDriver,
): string | undefined {
  const { capabilities: c, adapter } = driver;
  if (message.attachments.length > 0 && !c.attachments) return `email adapter '${adapter}' does not send attachments`;
  if (message.attachments.some((a) => a.contentId !== undefined) && !c.inlineImages)
    return `email adapter '${adapter}' does not send inline images`;
  if (message.headers.length > 0 && !c.customHeaders) return `email adapter '${adapter}' does not send custom headers`;
  return undefined;
}

function toEmailError(thrown: unknown, adapter: string, op: string): EmailError {
  return toInterfaceError(EmailError, 'email', thrown, adapter, op);
}
