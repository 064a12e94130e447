import { EmailError, type Email, type EmailErrorCode, type AdapterDefinition } from '@keel/core';
import { defineAdapter, parseOptions, type NormalizedEmail } from '@keel/core/adapter';
import MailComposer from 'nodemailer/lib/mail-composer';
import { jsonOf, postToProvider, type HttpAnswer, type ProviderErrorReading } from './http-provider.js';
import { type InstanceSource, withoutContainer } from './instances.js';
import { recipients, toMailOptions } from './mime-message.js';
import { idempotencyNeeds, reliabilityOf } from './reliability.js';
import { reliableEmail } from './reliable-driver.js';
import { sesOptions, type ResolvedSesOptions, type SesEmailOptions, type SesOptionsSchema } from './ses-options.js';
import { signV4 } from './sigv4.js';

const capabilities = { delivers: true, attachments: true, inlineImages: true, customHeaders: true, tags: true };
/** SES: 50 recipients per message; 40 MB per raw message after encoding. */
const limits = { maxRecipients: 50, maxMessageBytes: 20 * 1024 * 1024, maxAttachments: 100 };
const TAG_PART = /^[A-Za-z0-9_-]{1,255}$/;

/**
 * Sends through Amazon SES API v2 (`POST /v2/email/outbound-emails`) signed with AWS Signature
 * Version 4. The message goes as `Content.Raw` (MIME built by nodemailer, so custom headers
 * and inline images survive), recipients in `Destination` (bcc only there), tags and metadata
 * as `EmailTags`: a tag `t` becomes `t=true`, metadata `k: v` becomes `k=v`.
 *
 * @example
 * import { createSesEmail } from '@keel/adapter-email';
 * const email = createSesEmail({ region: 'eu-west-1' }); // credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
 */
export function createSesEmail(options: SesEmailOptions = {}): Email {
  const parsed = parseOptions(sesOptions, options, 'createSesEmail');
  return buildSesEmail(parsed, withoutContainer('createSesEmail', idempotencyNeeds(parsed)));
}

/**
 * Registers the adapter as `ses`, so that config can choose it.
 *
 * @example
 * await createKeel({ email: { adapter: 'ses', options: { region: 'eu-west-1' } } }, { adapters: [sesAdapter] });
 */
export const sesAdapter: AdapterDefinition<'email', SesOptionsSchema> = defineAdapter({
  interface: 'email',
  id: 'ses',
  package: '@keel/adapter-email',
  options: sesOptions,
  needs: (options) => idempotencyNeeds(options),
  create: (options, context) => buildSesEmail(options, context),
});

/** An SES `Email` from checked options; `source` finds the kv that `idempotency.kv` names. */
export function buildSesEmail(options: ResolvedSesOptions, source: InstanceSource): Email {
  const { region, credentials, configurationSetName, baseUrl } = options;
  const reliability = reliabilityOf(options, source);
  const url = `${baseUrl}/v2/email/outbound-emails`;
  return reliableEmail(
    {
      adapter: 'ses',
      capabilities,
      limits,
      health: () => ({ baseUrl, region }),
      async deliver(message, signal) {
        const body = JSON.stringify(await sesRequest(message, configurationSetName));
        const signed = signV4(
          { method: 'POST', url, headers: { 'content-type': 'application/json' }, body },
          // Signed with the real time: AWS refuses a signature more than 5 minutes off.
          { service: 'ses', region, credentials, date: new Date() },
        );
        const { host: _host, ...headers } = signed.headers;
        const answer = await postToProvider(
          'ses',
          { url, headers, body },
          { signal, clock: reliability.clock, readError },
        );
        const id = (jsonOf(answer) as { MessageId?: unknown } | undefined)?.MessageId;
        if (typeof id !== 'string')
          throw new EmailError({
            code: 'INTERNAL',
            message: `ses answered ${answer.status} without a MessageId`,
            adapter: 'ses',
            op: 'send',
          });
        return { messageId: id, provider: 'ses', accepted: recipients(message) };
      },
    },
    reliability,
  );
}

/** The SendEmail request of a message; throws `INVALID_MESSAGE` for what SES refuses. */
export async function sesRequest(
  message: NormalizedEmail,
  configurationSetName?: string,
): Promise<Record<string, unknown>> {
  const tags = [
    ...message.tags.map((t) => ({ Name: t, Value: 'true' })),
    ...Object.entries(message.metadata).map(([Name, Value]) => ({ Name, Value })),
  ];
  const bad = tags.find((t) => !TAG_PART.test(t.Name) || !TAG_PART.test(t.Value));
  if (bad)
    throw invalid(
      `tag and metadata names and values may hold only ASCII letters, digits, '_' and '-' (got '${bad.Name}')`,
    );
  if (new Set(tags.map((t) => t.Name)).size !== tags.length)
    throw invalid('a tag and a metadata key have the same name');
  const raw = await new MailComposer(toMailOptions(message)).compile().build();
  return {
    FromEmailAddress: message.from.email,
    Destination: {
      ToAddresses: message.to.map((a) => a.email),
      CcAddresses: message.cc.map((a) => a.email),
      BccAddresses: message.bcc.map((a) => a.email),
    },
    Content: { Raw: { Data: raw.toString('base64') } },
    ...(tags.length ? { EmailTags: tags } : {}),
    ...(configurationSetName === undefined ? {} : { ConfigurationSetName: configurationSetName }),
  };
}

const sesCodes: Readonly<Record<string, EmailErrorCode>> = {
  TooManyRequestsException: 'RATE_LIMITED',
  Throttling: 'RATE_LIMITED',
  ThrottlingException: 'RATE_LIMITED',
  LimitExceededException: 'QUOTA_EXCEEDED',
  MessageRejected: 'REJECTED',
  MailFromDomainNotVerifiedException: 'REJECTED',
  AccountSuspendedException: 'REJECTED',
  SendingPausedException: 'REJECTED',
  BadRequestException: 'REJECTED',
  NotFoundException: 'REJECTED',
  InternalFailure: 'UNAVAILABLE',
  ServiceUnavailable: 'UNAVAILABLE',
};

/** SES names the error in `x-amzn-ErrorType` (or `__type`) and explains it in `message`; every 403 is a credential problem. */
function readError(answer: HttpAnswer): ProviderErrorReading {
  const json = (jsonOf(answer) ?? {}) as { message?: string; Message?: string; __type?: string; code?: string };
  const type =
    (answer.headers.get('x-amzn-errortype') ?? json.__type ?? json.code ?? '').split(':')[0]?.split('#').pop() ?? '';
  const text = json.message ?? json.Message ?? answer.text.slice(0, 500);
  const message = type ? `${type}: ${text}` : text;
  if (answer.status === 403) return { message, code: 'AUTH_FAILED' };
  if (/daily (message|sending) quota/i.test(text)) return { message, code: 'QUOTA_EXCEEDED' };
  const code = sesCodes[type];
  return code ? { message, code } : { message };
}

function invalid(problem: string): EmailError {
  return new EmailError({ code: 'INVALID_MESSAGE', message: `ses: ${problem}`, adapter: 'ses', op: 'send' });
}
