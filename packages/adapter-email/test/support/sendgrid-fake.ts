import { randomBytes } from 'node:crypto';
import type { DeliveredEmail } from '@keel/testing';
import { FakeHttpServer, json, type FakeAnswer, type RecordedRequest } from './http-fake.js';

/** A message SendGrid accepted, with the key and idempotency key it came with. */
export interface SendgridAccepted {
  readonly apiKey: string;
  readonly idempotencyKey: string | undefined;
  readonly messageId: string;
  readonly body: SendgridBody;
}

interface Address {
  email: string;
  name?: string;
}
interface SendgridBody {
  personalizations: { to: Address[]; cc?: Address[]; bcc?: Address[] }[];
  from: Address;
  reply_to?: Address;
  reply_to_list?: Address[];
  subject: string;
  content: { type: string; value: string }[];
  attachments?: { content: string; type?: string; filename: string; disposition?: string; content_id?: string }[];
  headers?: Record<string, string>;
  categories?: string[];
  custom_args?: Record<string, string>;
}

const RESERVED_HEADERS = [
  'x-sg-id',
  'x-sg-eid',
  'received',
  'dkim-signature',
  'content-type',
  'content-transfer-encoding',
  'to',
  'from',
  'subject',
  'reply-to',
  'cc',
  'bcc',
];

/**
 * SendGrid's v3 Mail Send endpoint as documented: `POST /v3/mail/send` with `Authorization:
 * Bearer <key>` and a JSON body; 202 with `X-Message-Id` on success, 401 for a bad key, 400 with
 * `{"errors":[{message, field}]}` for an invalid body. Keys starting `SG.` are valid except `SG.revoked`;
 * keys starting `SG.down` get 503 (a provider that is down).
 */
export async function startSendgridFake(options: { delayMs?: () => number } = {}) {
  const accepted: SendgridAccepted[] = [];
  const server = await FakeHttpServer.start((request) => {
    const answer = handle(request, accepted);
    const delayMs = options.delayMs?.();
    return delayMs ? { ...answer, delayMs } : answer;
  });
  return {
    server,
    url: server.url,
    accepted,
    /** What instances using this key delivered, as the conformance suite reads it. */
    delivered: (apiKey: string): DeliveredEmail[] =>
      accepted.filter((a) => a.apiKey === apiKey).map((a) => toDelivered(a.body)),
    close: () => server.close(),
  };
}

function handle(request: RecordedRequest, accepted: SendgridAccepted[]): FakeAnswer {
  if (request.method !== 'POST' || request.path !== '/v3/mail/send')
    return json(404, { errors: [{ field: null, message: 'not found' }] });
  const auth = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '');
  if (!auth) return json(401, { errors: [{ field: null, message: 'authorization required' }] });
  const apiKey = auth[1] as string;
  if (!apiKey.startsWith('SG.') || apiKey === 'SG.revoked') {
    return json(401, {
      errors: [{ field: null, message: 'The provided authorization grant is invalid, expired, or revoked' }],
    });
  }
  if (apiKey.startsWith('SG.down')) return json(503, { errors: [{ field: null, message: 'Service Unavailable' }] });
  if (!(request.headers['content-type'] ?? '').startsWith('application/json'))
    return json(415, { errors: [{ field: null, message: 'Content-Type should be application/json.' }] });
  let body: SendgridBody;
  try {
    body = JSON.parse(request.body.toString('utf8')) as SendgridBody;
  } catch {
    return json(400, { errors: [{ field: null, message: 'Bad Request', help: null }] });
  }
  const errors = validate(body);
  if (errors.length > 0)
    return json(400, { errors: errors.map(([field, message]) => ({ field, message, help: null })) });
  const messageId = randomBytes(16).toString('base64url');
  const idempotencyKey = request.headers['idempotency-key'];
  accepted.push({
    apiKey,
    idempotencyKey: typeof idempotencyKey === 'string' ? idempotencyKey : undefined,
    messageId,
    body,
  });
  return { status: 202, headers: { 'x-message-id': messageId } };
}

function validate(body: SendgridBody): [string | null, string][] {
  const errors: [string | null, string][] = [];
  const isAddress = (a: unknown) =>
    typeof a === 'object' &&
    a !== null &&
    typeof (a as Address).email === 'string' &&
    /^[^@\s]+@[^@\s]+$/.test((a as Address).email);
  if (!Array.isArray(body.personalizations) || body.personalizations.length === 0)
    errors.push(['personalizations', 'You must have at least one personalization.']);
  else if (body.personalizations.length > 1000)
    errors.push(['personalizations', 'The personalization block is limited to 1000 personalizations per API request.']);
  let total = 0;
  const seen = new Set<string>();
  for (const [i, p] of (body.personalizations ?? []).entries()) {
    if (!Array.isArray(p.to) || p.to.length === 0)
      errors.push([
        `personalizations.${i}.to`,
        'The to array is required for all personalization objects, and must have at least one email object with a valid email address.',
      ]);
    for (const field of ['to', 'cc', 'bcc'] as const) {
      const list = p[field];
      if (list === undefined) continue;
      if (!Array.isArray(list) || list.length === 0)
        errors.push([`personalizations.${i}.${field}`, `The ${field} array must have at least one item when present.`]);
      for (const a of list ?? []) {
        total++;
        if (!isAddress(a)) errors.push([`personalizations.${i}.${field}`, 'Does not contain a valid address.']);
        else if (seen.has(a.email.toLowerCase()))
          errors.push([
            `personalizations.${i}`,
            'Each email address in the personalization block should be unique between to, cc, and bcc.',
          ]);
        else seen.add(a.email.toLowerCase());
      }
    }
  }
  if (total > 1000)
    errors.push(['personalizations', 'There is a limit of 1000 total recipients (to + cc + bcc) per request.']);
  if (!isAddress(body.from))
    errors.push([
      'from.email',
      'The from object must be provided for every email send. It is an object that requires the email parameter.',
    ]);
  if (typeof body.subject !== 'string' || body.subject === '') errors.push(['subject', 'The subject is required.']);
  if (!Array.isArray(body.content) || body.content.length === 0)
    errors.push(['content', 'Unless a valid template_id is provided, the content parameter is required.']);
  for (const [i, c] of (body.content ?? []).entries()) {
    if (typeof c.value !== 'string' || c.value === '')
      errors.push([`content.${i}.value`, 'The content value must be a string at least one character in length.']);
    if (c.type === 'text/plain' && i !== 0)
      errors.push(['content', 'If present, text/plain content must be first, followed by any other content.']);
  }
  if (body.reply_to !== undefined && body.reply_to_list !== undefined)
    errors.push(['reply_to', 'Only one of reply_to and reply_to_list may be used.']);
  if (body.reply_to !== undefined && !isAddress(body.reply_to))
    errors.push(['reply_to', 'The reply_to email does not contain a valid address.']);
  for (const a of body.reply_to_list ?? [])
    if (!isAddress(a)) errors.push(['reply_to_list', 'The reply_to_list email does not contain a valid address.']);
  for (const [i, a] of (body.attachments ?? []).entries()) {
    if (typeof a.content !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(a.content))
      errors.push([`attachments.${i}.content`, 'The attachment content must be base64 encoded.']);
    if (typeof a.filename !== 'string' || a.filename === '')
      errors.push([`attachments.${i}.filename`, 'The attachment filename parameter is required.']);
    if (a.disposition !== undefined && a.disposition !== 'inline' && a.disposition !== 'attachment')
      errors.push([`attachments.${i}.disposition`, 'The disposition must be inline or attachment.']);
    if (a.disposition === 'inline' && !a.content_id)
      errors.push([
        `attachments.${i}.content_id`,
        'The content_id parameter is required if your attachment disposition is inline.',
      ]);
  }
  for (const [name, value] of Object.entries(body.headers ?? {})) {
    if (RESERVED_HEADERS.includes(name.toLowerCase()))
      errors.push(['headers', `The header ${name} is reserved and may not be used.`]);
    if (typeof value !== 'string') errors.push(['headers', 'Header values must be strings.']);
  }
  if (body.categories !== undefined && (!Array.isArray(body.categories) || body.categories.length > 10))
    errors.push(['categories', 'You may not have more than 10 categories per request.']);
  if (body.categories && new Set(body.categories).size !== body.categories.length)
    errors.push(['categories', 'The categories parameter may not contain duplicates.']);
  for (const value of Object.values(body.custom_args ?? {}))
    if (typeof value !== 'string') errors.push(['custom_args', 'Custom arg values must be strings.']);
  return errors;
}

function toDelivered(body: SendgridBody): DeliveredEmail {
  const p = body.personalizations[0] as SendgridBody['personalizations'][number];
  const text = body.content.find((c) => c.type === 'text/plain')?.value;
  const html = body.content.find((c) => c.type === 'text/html')?.value;
  return {
    from: body.from,
    to: p.to,
    cc: p.cc ?? [],
    bcc: (p.bcc ?? []).map((a) => a.email),
    replyTo: body.reply_to_list ?? (body.reply_to ? [body.reply_to] : []),
    subject: body.subject,
    ...(text === undefined ? {} : { text }),
    ...(html === undefined ? {} : { html }),
    attachments: (body.attachments ?? []).map((a) => ({
      filename: a.filename,
      contentType: a.type ?? 'application/octet-stream',
      content: new Uint8Array(Buffer.from(a.content, 'base64')),
      ...(a.content_id === undefined ? {} : { contentId: a.content_id }),
    })),
    headers: Object.fromEntries(Object.entries(body.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
    tags: body.categories ?? [],
    metadata: body.custom_args ?? {},
  };
}
