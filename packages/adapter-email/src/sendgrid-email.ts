import { randomUUID } from 'node:crypto';
import { EmailError, type Email, type EmailAddress, type AdapterDefinition } from '@keel/core';
import { defineAdapter, parseOptions, type NormalizedEmail } from '@keel/core/adapter';
import { jsonOf, plainMessage, postToProvider, type HttpAnswer, type ProviderErrorReading } from './http-provider.js';
import { type InstanceSource, withoutContainer } from './instances.js';
import { recipients } from './mime-message.js';
import { idempotencyNeeds, reliabilityOf } from './reliability.js';
import { reliableEmail } from './reliable-driver.js';
import {
  sendgridOptions,
  type ResolvedSendgridOptions,
  type SendgridEmailOptions,
  type SendgridOptionsSchema,
} from './sendgrid-options.js';

const capabilities = { delivers: true, attachments: true, inlineImages: true, customHeaders: true, tags: true };
/** SendGrid: 1,000 recipients (to + cc + bcc) per request, 30 MB per message after base64. */
const limits = { maxRecipients: 1000, maxMessageBytes: 20 * 1024 * 1024, maxAttachments: 100 };
const RESERVED = new Set(['x-sg-id', 'x-sg-eid', 'received', 'dkim-signature']);

/**
 * Sends through SendGrid's v3 Mail Send API (`POST /v3/mail/send`, bearer key): one
 * personalization with to, cc and bcc, text before html, attachments base64 with inline images
 * by `content_id`, tags as `categories`, metadata as `custom_args`. The receipt's id is
 * SendGrid's `X-Message-Id`.
 *
 * @example
 * import { createSendgridEmail } from '@keel/adapter-email';
 * const email = createSendgridEmail({ apiKey: process.env.SENDGRID_API_KEY! });
 * await email.send({ from: 'Shop <shop@example.com>', to: ['ada@example.com'], subject: 'Your order', text: 'Shipped.' });
 */
export function createSendgridEmail(options: SendgridEmailOptions): Email {
  const parsed = parseOptions(sendgridOptions, options, 'createSendgridEmail');
  return buildSendgridEmail(parsed, withoutContainer('createSendgridEmail', idempotencyNeeds(parsed)));
}

/**
 * Registers the adapter as `sendgrid`, so that config can choose it.
 *
 * @example
 * await createKeel({ email: { adapter: 'sendgrid', options: { apiKey } } }, { adapters: [sendgridAdapter] });
 */
export const sendgridAdapter: AdapterDefinition<'email', SendgridOptionsSchema> = defineAdapter({
  interface: 'email',
  id: 'sendgrid',
  package: '@keel/adapter-email',
  options: sendgridOptions,
  needs: (options) => idempotencyNeeds(options),
  create: (options, context) => buildSendgridEmail(options, context),
});

/** A SendGrid `Email` from checked options; `source` finds the kv that `idempotency.kv` names. */
export function buildSendgridEmail(options: ResolvedSendgridOptions, source: InstanceSource): Email {
  const { apiKey, baseUrl, sandboxMode } = options;
  const reliability = reliabilityOf(options, source);
  const url = `${baseUrl}/v3/mail/send`;
  return reliableEmail(
    {
      adapter: 'sendgrid',
      capabilities,
      limits,
      health: () => ({ baseUrl }),
      async deliver(message, signal) {
        const answer = await postToProvider(
          'sendgrid',
          {
            url,
            headers: {
              authorization: `Bearer ${apiKey}`,
              'content-type': 'application/json',
              ...(message.idempotencyKey === undefined ? {} : { 'idempotency-key': message.idempotencyKey }),
            },
            body: JSON.stringify(sendgridBody(message, sandboxMode)),
          },
          { signal, clock: reliability.clock, readError },
        );
        return {
          messageId: answer.headers.get('x-message-id') ?? randomUUID(),
          provider: 'sendgrid',
          accepted: recipients(message),
        };
      },
    },
    reliability,
  );
}

/** The Mail Send JSON body of a message; throws `INVALID_MESSAGE` for what SendGrid refuses. */
export function sendgridBody(message: NormalizedEmail, sandboxMode = false): Record<string, unknown> {
  const problem = sendgridProblem(message);
  if (problem)
    throw new EmailError({ code: 'INVALID_MESSAGE', message: `sendgrid: ${problem}`, adapter: 'sendgrid', op: 'send' });
  const { to, cc, bcc, replyTo } = message;
  return {
    personalizations: [
      {
        to: to.map(address),
        ...(cc.length ? { cc: cc.map(address) } : {}),
        ...(bcc.length ? { bcc: bcc.map(address) } : {}),
      },
    ],
    from: address(message.from),
    ...(replyTo.length === 1 ? { reply_to: address(replyTo[0] as EmailAddress) } : {}),
    ...(replyTo.length > 1 ? { reply_to_list: replyTo.map(address) } : {}),
    subject: message.subject,
    content: [
      ...(message.text === undefined ? [] : [{ type: 'text/plain', value: message.text }]),
      ...(message.html === undefined ? [] : [{ type: 'text/html', value: message.html }]),
    ],
    ...(message.attachments.length
      ? {
          attachments: message.attachments.map((a) => ({
            content: Buffer.from(a.content).toString('base64'),
            type: a.contentType,
            filename: a.filename,
            ...(a.contentId === undefined
              ? { disposition: 'attachment' }
              : { disposition: 'inline', content_id: a.contentId }),
          })),
        }
      : {}),
    ...(message.headers.length ? { headers: Object.fromEntries(message.headers.map((h) => [h.name, h.value])) } : {}),
    ...(message.tags.length ? { categories: [...message.tags] } : {}),
    ...(Object.keys(message.metadata).length ? { custom_args: { ...message.metadata } } : {}),
    ...(sandboxMode ? { mail_settings: { sandbox_mode: { enable: true } } } : {}),
  };
}

function sendgridProblem(message: NormalizedEmail): string | undefined {
  if (message.to.length === 0) return "every message needs at least one 'to' recipient";
  const seen = new Set<string>();
  for (const email of recipients(message)) {
    const key = email.toLowerCase();
    if (seen.has(key)) return `'${email}' appears more than once in to, cc and bcc`;
    seen.add(key);
  }
  if (message.tags.length > 10) return `at most 10 tags (categories) per message, got ${message.tags.length}`;
  const longTag = message.tags.find((t) => t.length > 255);
  if (longTag !== undefined) return 'a tag (category) is longer than 255 characters';
  if (new Set(message.tags).size !== message.tags.length) return 'tags (categories) must be unique';
  if (Buffer.byteLength(JSON.stringify(message.metadata)) > 10_000)
    return 'metadata (custom_args) exceeds 10,000 bytes';
  const names = message.headers.map((h) => h.name.toLowerCase());
  const reserved = names.find((n) => RESERVED.has(n));
  if (reserved) return `the header '${reserved}' is set by SendGrid`;
  if (new Set(names).size !== names.length) return 'each custom header may appear only once';
  return undefined;
}

function address(a: EmailAddress): { email: string; name?: string } {
  return a.name === undefined ? { email: a.email } : { email: a.email, name: a.name };
}

/** SendGrid's `{"errors":[{"message","field"}]}`; 401 "Maximum credits exceeded" is the quota. */
function readError(answer: HttpAnswer): ProviderErrorReading {
  const errors = (jsonOf(answer) as { errors?: { message?: string; field?: string | null }[] } | undefined)?.errors;
  if (!Array.isArray(errors) || errors.length === 0) return { message: plainMessage(answer) };
  const message = errors.map((e) => (e.field ? `${e.field}: ${e.message}` : String(e.message))).join('; ');
  return /maximum credits exceeded/i.test(message) ? { message, code: 'QUOTA_EXCEEDED' } : { message };
}
