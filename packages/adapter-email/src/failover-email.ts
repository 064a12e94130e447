import type { Email, EmailCapabilities, EmailLimits, AdapterDefinition } from '@keel/core';
import { EmailError } from '@keel/core';
import { defineAdapter, emailCapabilityNames, parseOptions } from '@keel/core/adapter';
import {
  failoverNeeds,
  failoverOptions,
  isBuiltMember,
  isInstanceMember,
  type FailoverEmailOptions,
  type BuiltMember,
  type ResolvedFailoverOptions,
  type FailoverOptionsSchema,
} from './failover-options.js';
import { type InstanceSource, needed, withoutContainer } from './instances.js';
import { buildMailgunEmail } from './mailgun-email.js';
import { buildOutboxEmail } from './outbox-email.js';
import { idempotencyPolicy } from './reliability.js';
import { limitsOf, reliableEmail } from './reliable-driver.js';
import { buildSendgridEmail } from './sendgrid-email.js';
import { buildSesEmail } from './ses-email.js';
import { buildSmtpEmail } from './smtp-email.js';

/**
 * A chain of providers used in order: the next one is tried only when the current one fails
 * with a retryable error (`UNAVAILABLE` — including an open circuit — or `RATE_LIMITED`, after
 * that provider's own retries). Any other error ends the send at once: a message one provider
 * rejects would be rejected again. The receipt's `provider` names the one that sent it.
 * Capabilities and limits are what every link supports.
 *
 * @example
 * import { createFailoverEmail, createSendgridEmail, createSesEmail } from '@keel/adapter-email';
 * const email = createFailoverEmail({
 *   providers: [createSesEmail({ region: 'eu-west-1' }), createSendgridEmail({ apiKey })],
 * });
 * // or from config: { adapter: 'failover', options: { providers: [
 * //   { adapter: 'ses', options: { region: 'eu-west-1' } }, { instance: 'backup' }] } }
 */
export function createFailoverEmail(options: FailoverEmailOptions): Email {
  const parsed = parseOptions(failoverOptions, options, 'createFailoverEmail');
  return buildFailoverEmail(parsed, withoutContainer('createFailoverEmail', failoverNeeds(parsed)));
}

/**
 * Registers the adapter as `failover`, so that config can choose it. The email instances a
 * chain names (`{ instance: 'ses' }`) are started before it.
 *
 * @example
 * await createKeel({ email: { adapter: 'failover', options: { providers } } }, { adapters: emailAdapters });
 */
export const failoverAdapter: AdapterDefinition<'email', FailoverOptionsSchema> = defineAdapter({
  interface: 'email',
  id: 'failover',
  package: '@keel/adapter-email',
  options: failoverOptions,
  needs: failoverNeeds,
  create: (options, context) => buildFailoverEmail(options, context),
});

/** A link the chain builds from its adapter id and checked options. */
function buildMember(m: BuiltMember, source: InstanceSource): Email {
  switch (m.adapter) {
    case 'sendgrid':
      return buildSendgridEmail(m.options, source);
    case 'mailgun':
      return buildMailgunEmail(m.options, source);
    case 'ses':
      return buildSesEmail(m.options, source);
    case 'smtp':
      return buildSmtpEmail(m.options, source);
    case 'outbox':
      return buildOutboxEmail(m.options, source);
  }
}

function buildFailoverEmail(options: ResolvedFailoverOptions, source: InstanceSource): Email {
  const { clock } = options;
  const idempotency = idempotencyPolicy(options.idempotency, 120_000, source);
  const owned: Email[] = [];
  const chain = options.providers.map((m): Email => {
    if (isInstanceMember(m)) return needed(source, 'email', m.instance);
    if (!isBuiltMember(m)) return m as Email;
    const email = buildMember(m, source);
    owned.push(email);
    return email;
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
