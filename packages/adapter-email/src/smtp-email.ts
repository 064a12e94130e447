import type { Email, AdapterDefinition } from '@keel/core';
import { defineAdapter, parseOptions } from '@keel/core/adapter';
import nodemailer, { type Transporter } from 'nodemailer';
import { type InstanceSource, withoutContainer } from './instances.js';
import { bareMessageId, toMailOptions } from './mime-message.js';
import { idempotencyNeeds, reliabilityOf } from './reliability.js';
import { reliableEmail } from './reliable-driver.js';
import { smtpError } from './smtp-errors.js';
import {
  smtpOptions,
  type ResolvedSmtpOptions,
  type SmtpEmailOptions,
  type SmtpOptionsSchema,
} from './smtp-options.js';

const capabilities = { delivers: true, attachments: true, inlineImages: true, customHeaders: true, tags: false };

/**
 * Submits mail to an SMTP server with nodemailer's SMTP transport: STARTTLS required by
 * default (or implicit TLS, opportunistic, none), optional PLAIN/LOGIN authentication, and a
 * pool of reused connections. The receipt's id is the message's Message-ID; `accepted` lists
 * the recipients the server took (a partly refused envelope still succeeds for the others).
 * SMTP has no tags or metadata, so the adapter does not declare `tags`.
 *
 * @example
 * import { createSmtpEmail } from '@keel/adapter-email';
 * const email = createSmtpEmail({ host: 'smtp.example.com', user: 'apikey', password: process.env.SMTP_PASSWORD! });
 */
export function createSmtpEmail(options: SmtpEmailOptions): Email {
  const parsed = parseOptions(smtpOptions, options, 'createSmtpEmail');
  return buildSmtpEmail(parsed, withoutContainer('createSmtpEmail', idempotencyNeeds(parsed)));
}

/**
 * Registers the adapter as `smtp`, so that config can choose it.
 *
 * @example
 * await createKeel({ email: { adapter: 'smtp', options: { host: 'smtp.example.com' } } }, { adapters: [smtpAdapter] });
 */
export const smtpAdapter: AdapterDefinition<'email', SmtpOptionsSchema> = defineAdapter({
  interface: 'email',
  id: 'smtp',
  package: '@keel/adapter-email',
  options: smtpOptions,
  needs: (options) => idempotencyNeeds(options),
  create: (options, context) => buildSmtpEmail(options, context),
});

/** An SMTP `Email` from checked options; `source` finds the kv that `idempotency.kv` names. */
export function buildSmtpEmail(o: ResolvedSmtpOptions, source: InstanceSource): Email {
  const reliability = reliabilityOf(o, source);
  const timeout = reliability.timeoutMs;
  let transporter: Transporter | undefined;
  const connect = (): Transporter =>
    (transporter ??= nodemailer.createTransport({
      host: o.host,
      port: o.port,
      secure: o.security === 'tls',
      requireTLS: o.security === 'starttls',
      ignoreTLS: o.security === 'none',
      ...(o.auth ? { auth: o.auth } : {}),
      tls: o.tls,
      ...(o.clientName === undefined ? {} : { name: o.clientName }),
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      disableFileAccess: true,
      disableUrlAccess: true,
      logger: false,
      ...(o.pool ? { pool: true as const, maxConnections: o.maxConnections, maxMessages: o.maxMessages } : {}),
    }) as Transporter);

  return reliableEmail(
    {
      adapter: 'smtp',
      capabilities,
      limits: o.limits,
      close() {
        transporter?.close();
        transporter = undefined;
      },
      async health() {
        await connect().verify();
        return { host: o.host, port: o.port, security: o.security, pool: o.pool };
      },
      async deliver(message, signal) {
        try {
          const info = await connect().sendMail({ ...toMailOptions(message), signal });
          return {
            messageId: bareMessageId(info.messageId),
            provider: 'smtp',
            accepted: (info.accepted ?? []).map(String),
          };
        } catch (thrown) {
          throw smtpError(thrown, signal);
        }
      },
    },
    reliability,
  );
}
