import { EmailError, type Email, type AdapterDefinition } from '@keel/core';
import { defineAdapter, parseOptions, type NormalizedEmail } from '@keel/core/adapter';
import { jsonOf, plainMessage, postToProvider, type HttpAnswer, type ProviderErrorReading } from './http-provider.js';
import { type InstanceSource, withoutContainer } from './instances.js';
import {
  mailgunOptions,
  type MailgunEmailOptions,
  type ResolvedMailgunOptions,
  type MailgunOptionsSchema,
} from './mailgun-options.js';
import { bareMessageId, formatAddress, recipients } from './mime-message.js';
import { idempotencyNeeds, reliabilityOf } from './reliability.js';
import { reliableEmail } from './reliable-driver.js';

const capabilities = { delivers: true, attachments: true, inlineImages: true, customHeaders: true, tags: true };
/** Mailgun: 1,000 recipients per message, 25 MB per message. */
const limits = { maxRecipients: 1000, maxMessageBytes: 25 * 1024 * 1024, maxAttachments: 100 };

/**
 * Sends through Mailgun's Messages API (`POST /v3/<domain>/messages`, basic auth `api:<key>`,
 * multipart form): `from`, `to`/`cc`/`bcc` (one field per address), `subject`, `text`, `html`,
 * `attachment` and `inline` files, `o:tag` per tag, `h:<Name>` per header (Reply-To too) and
 * `v:<key>` per metadata entry. Mailgun names an inline image's Content-ID after its file name,
 * so an inline part is uploaded under its `contentId`.
 *
 * @example
 * import { createMailgunEmail } from '@keel/adapter-email';
 * const email = createMailgunEmail({ apiKey: process.env.MAILGUN_API_KEY!, domain: 'mg.example.com', region: 'eu' });
 */
export function createMailgunEmail(options: MailgunEmailOptions): Email {
  const parsed = parseOptions(mailgunOptions, options, 'createMailgunEmail');
  return buildMailgunEmail(parsed, withoutContainer('createMailgunEmail', idempotencyNeeds(parsed)));
}

/**
 * Registers the adapter as `mailgun`, so that config can choose it.
 *
 * @example
 * await createKeel({ email: { adapter: 'mailgun', options: { apiKey, domain } } }, { adapters: [mailgunAdapter] });
 */
export const mailgunAdapter: AdapterDefinition<'email', MailgunOptionsSchema> = defineAdapter({
  interface: 'email',
  id: 'mailgun',
  package: '@keel/adapter-email',
  options: mailgunOptions,
  needs: (options) => idempotencyNeeds(options),
  create: (options, context) => buildMailgunEmail(options, context),
});

/** A Mailgun `Email` from checked options; `source` finds the kv that `idempotency.kv` names. */
export function buildMailgunEmail(options: ResolvedMailgunOptions, source: InstanceSource): Email {
  const { apiKey, domain, baseUrl } = options;
  const reliability = reliabilityOf(options, source);
  const url = `${baseUrl}/v3/${encodeURIComponent(domain)}/messages`;
  const authorization = `Basic ${Buffer.from(`api:${apiKey}`).toString('base64')}`;
  return reliableEmail(
    {
      adapter: 'mailgun',
      capabilities,
      limits,
      health: () => ({ baseUrl, domain }),
      async deliver(message, signal) {
        const answer = await postToProvider(
          'mailgun',
          {
            url,
            headers: {
              authorization,
              ...(message.idempotencyKey === undefined ? {} : { 'idempotency-key': message.idempotencyKey }),
            },
            body: mailgunForm(message),
          },
          { signal, clock: reliability.clock, readError },
        );
        const id = (jsonOf(answer) as { id?: unknown } | undefined)?.id;
        if (typeof id !== 'string') {
          throw new EmailError({
            code: 'INTERNAL',
            message: `mailgun answered ${answer.status} without a message id`,
            adapter: 'mailgun',
            op: 'send',
          });
        }
        return { messageId: bareMessageId(id), provider: 'mailgun', accepted: recipients(message) };
      },
    },
    reliability,
  );
}

/** The multipart form of a message; throws `INVALID_MESSAGE` for what Mailgun refuses. */
export function mailgunForm(message: NormalizedEmail): FormData {
  const problem = mailgunProblem(message);
  if (problem)
    throw new EmailError({ code: 'INVALID_MESSAGE', message: `mailgun: ${problem}`, adapter: 'mailgun', op: 'send' });
  const form = new FormData();
  form.append('from', formatAddress(message.from));
  for (const field of ['to', 'cc', 'bcc'] as const)
    for (const a of message[field]) form.append(field, formatAddress(a));
  form.append('subject', message.subject);
  if (message.text !== undefined) form.append('text', message.text);
  if (message.html !== undefined) form.append('html', message.html);
  for (const a of message.attachments) {
    const file = new Blob([new Uint8Array(a.content)], { type: a.contentType });
    if (a.contentId === undefined) form.append('attachment', file, a.filename);
    else form.append('inline', file, a.contentId);
  }
  for (const tag of message.tags) form.append('o:tag', tag);
  if (message.replyTo.length) form.append('h:Reply-To', message.replyTo.map(formatAddress).join(', '));
  for (const h of message.headers) form.append(`h:${h.name}`, h.value);
  for (const [key, value] of Object.entries(message.metadata)) form.append(`v:${key}`, value);
  return form;
}

function mailgunProblem(message: NormalizedEmail): string | undefined {
  if (message.tags.length > 3) return `at most 3 tags per message, got ${message.tags.length}`;
  if (message.tags.some((t) => t.length > 128 || !/^[\x20-\x7e]+$/.test(t)))
    return 'tags must be ASCII and at most 128 characters';
  return undefined;
}

/** Mailgun answers `{"message": "..."}`, or plain text ("Forbidden") for bad keys. */
function readError(answer: HttpAnswer): ProviderErrorReading {
  return { message: plainMessage(answer) };
}
