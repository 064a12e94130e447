import { EmailError, type Email, type EmailCapabilities } from '@keel/core';
import { KeelOptionsError, emailCapabilityNames, type AdapterContext, type EmailLimits } from '@keel/core/adapter';
import { resolveFailoverOptions, type FailoverEmailOptions, type FailoverMemberAdapter } from './failover-options.js';
import { createMailgunEmail } from './mailgun-email.js';
import { createOutboxEmail } from './outbox-email.js';
import { limitsOf, reliableEmail } from './reliable-driver.js';
import { createSendgridEmail } from './sendgrid-email.js';
import { createSesEmail } from './ses-email.js';
import { createSmtpEmail } from './smtp-email.js';

const factories: Readonly<Record<FailoverMemberAdapter, (options: never, context?: AdapterContext) => Email>> = {
  sendgrid: createSendgridEmail,
  mailgun: createMailgunEmail,
  ses: createSesEmail,
  smtp: createSmtpEmail,
  outbox: createOutboxEmail,
};

/**
 * A chain of providers used in order: the next one is tried only when the current one fails
 * with a retryable error (`UNAVAILABLE` — including an open circuit — or `RATE_LIMITED`, after
 * that provider's own retries). Any other error ends the send at once: a message one provider
 * rejects would be rejected again. The receipt's `provider` names the one that sent it.
 * Capabilities and limits are what every link supports.
 *
 * @example
 * import { createFailoverEmail, createSendgridEmail, createSesEmail } from '@keel/adapter-email';
 * const email = createFailoverEmail({ providers: [createSesEmail({ region: 'eu-west-1' }), createSendgridEmail({ apiKey })] });
 * // or from config: { adapter: 'failover', options: { providers: [{ adapter: 'ses', options: { region: 'eu-west-1' } }, { adapter: 'sendgrid', options: { apiKey } }] } }
 */
export function createFailoverEmail(options: FailoverEmailOptions, context?: AdapterContext): Email {
  const { members, idempotency, clock } = resolveFailoverOptions(options, context);
  const owned: Email[] = [];
  const chain = members.map((m, i) => {
    if (m.kind === 'email') return m.email;
    try {
      const email = factories[m.adapter](m.options as never, context);
      owned.push(email);
      return email;
    } catch (thrown) {
      for (const e of owned) void e.close();
      if (thrown instanceof KeelOptionsError)
        throw new KeelOptionsError(`providers[${i}].options.${thrown.path}`, thrown.problem, 'createFailoverEmail');
      throw thrown;
    }
  });
  const capabilities = Object.fromEntries(
    emailCapabilityNames.map((name) => [name, chain.every((e) => e.capabilities[name])]),
  ) as unknown as EmailCapabilities;
  const limits: EmailLimits = {
    maxRecipients: Math.min(...chain.map((e) => limitsOf(e).maxRecipients)),
    maxMessageBytes: Math.min(...chain.map((e) => limitsOf(e).maxMessageBytes)),
    maxAttachments: Math.min(...chain.map((e) => limitsOf(e).maxAttachments)),
  };

  return reliableEmail(
    {
      adapter: 'failover',
      capabilities,
      limits,
      async close() {
        await Promise.all(owned.map((e) => e.close()));
      },
      async health() {
        const reports = await Promise.all(chain.map((e) => e.health()));
        const detail = Object.fromEntries(
          reports.map((r, i) => [`${i}:${r.adapter}`, r.ok ? 'ok' : (r.error ?? 'not ok')]),
        );
        if (!reports.some((r) => r.ok))
          throw new Error(`no provider of the chain is healthy (${JSON.stringify(detail)})`);
        return detail;
      },
      async deliver(message) {
        const failures: EmailError[] = [];
        for (const email of chain) {
          const sent = await email.send(message);
          if (sent.isOk()) return sent.value;
          failures.push(sent.error);
          if (!sent.error.retryable) break;
        }
        throw chainError(failures);
      },
    },
    {
      timeoutMs: 2 ** 31 - 1,
      retry: undefined,
      breaker: undefined,
      idempotency,
      clock,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      random: Math.random,
    },
  );
}

/** The last failure, with every provider's reason in the message and the soonest `retryAfterMs`. */
function chainError(failures: readonly EmailError[]): EmailError {
  const last = failures.at(-1) as EmailError;
  if (failures.length === 1) return last;
  const waits = failures.map((f) => f.retryAfterMs).filter((ms): ms is number => ms !== undefined);
  return new EmailError({
    code: last.code,
    message: `every provider failed: ${failures.map((f) => `${f.adapter}: ${f.message}`).join('; ')}`,
    adapter: 'failover',
    op: 'send',
    cause: failures,
    ...(last.retryable && waits.length ? { retryAfterMs: Math.min(...waits) } : {}),
    ...(last.status === undefined ? {} : { status: last.status }),
  });
}
