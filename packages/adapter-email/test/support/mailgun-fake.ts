import { randomBytes } from 'node:crypto';
import type { EmailAddress } from '@keel/core';
import type { DeliveredEmail } from '@keel/testing';
import { FakeHttpServer, json, type FakeAnswer, type RecordedRequest } from './http-fake.js';

export type FormFile = Exclude<ReturnType<FormData['get']>, string | null>;

export interface MailgunAccepted {
  readonly apiKey: string;
  readonly domain: string;
  readonly id: string;
  readonly contentType: string;
  readonly form: FormData;
  readonly delivered: DeliveredEmail;
}

/**
 * Mailgun's Messages API as documented: `POST /v3/<domain>/messages`, HTTP basic auth with user
 * `api`, a form (multipart when there are files); 200 `{"id","message":"Queued. Thank you."}`,
 * 401 "Forbidden" for a bad key, 400 `{"message"}` for a bad form. Keys starting `key-` are valid.
 */
export async function startMailgunFake() {
  const accepted: MailgunAccepted[] = [];
  const server = await FakeHttpServer.start((request) => handle(request, accepted));
  return {
    server,
    url: server.url,
    accepted,
    delivered: (apiKey: string): DeliveredEmail[] =>
      accepted.filter((a) => a.apiKey === apiKey).map((a) => a.delivered),
    close: () => server.close(),
  };
}

async function handle(request: RecordedRequest, accepted: MailgunAccepted[]): Promise<FakeAnswer> {
  const route = /^\/v3\/([A-Za-z0-9.-]+)\/messages$/.exec(request.path);
  if (request.method !== 'POST' || !route) return json(404, { message: 'Not Found' });
  const basic = /^Basic (\S+)$/.exec(request.headers.authorization ?? '');
  const [user, apiKey] = basic
    ? Buffer.from(basic[1] as string, 'base64')
        .toString()
        .split(/:(.*)/s)
    : [];
  if (user !== 'api' || !apiKey?.startsWith('key-'))
    return { status: 401, headers: { 'content-type': 'text/plain' }, body: 'Forbidden' };
  const contentType = request.headers['content-type'] ?? '';
  if (!contentType.startsWith('multipart/form-data') && !contentType.startsWith('application/x-www-form-urlencoded')) {
    return json(400, { message: 'Content-Type must be multipart/form-data or application/x-www-form-urlencoded' });
  }
  const form = await new Request('http://fake/', {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: request.body,
  }).formData();
  const text = (name: string) => form.getAll(name).filter((v): v is string => typeof v === 'string');
  const files = (name: string) => form.getAll(name).filter((v): v is FormFile => typeof v !== 'string');
  if (files('attachment').length + files('inline').length > 0 && !contentType.startsWith('multipart/form-data')) {
    return json(400, { message: 'attachments need multipart/form-data' });
  }
  if (text('from').length !== 1) return json(400, { message: "'from' parameter is missing" });
  if (text('to').length === 0) return json(400, { message: "'to' parameter is missing" });
  if (text('subject').length !== 1) return json(400, { message: "'subject' parameter is missing" });
  if (text('text').length === 0 && text('html').length === 0)
    return json(400, { message: "Need at least one of 'text', 'html' or 'template' parameters specified" });
  if (text('o:tag').length > 3) return json(400, { message: 'Too many tags: a message may carry at most 3' });
  const recipients = [...text('to'), ...text('cc'), ...text('bcc')].flatMap(parseList);
  if (recipients.length > 1000) return json(400, { message: 'Too many recipients' });
  if (recipients.some((r) => !/^[^@\s]+@[^@\s]+$/.test(r.email)))
    return json(400, { message: "'to' parameter is not a valid address. please check documentation" });

  const attachments = [];
  for (const file of files('attachment'))
    attachments.push({
      filename: file.name,
      contentType: file.type,
      content: new Uint8Array(await file.arrayBuffer()),
    });
  // Mailgun: "Note how image is referenced in HTML part simply by the filename".
  for (const file of files('inline'))
    attachments.push({
      filename: file.name,
      contentType: file.type,
      content: new Uint8Array(await file.arrayBuffer()),
      contentId: file.name,
    });
  const headers: Record<string, string> = {};
  const metadata: Record<string, string> = {};
  for (const [name, value] of form.entries()) {
    if (typeof value !== 'string') continue;
    if (name.startsWith('h:') && name.toLowerCase() !== 'h:reply-to') headers[name.slice(2).toLowerCase()] = value;
    if (name.startsWith('v:')) metadata[name.slice(2)] = value;
  }
  const html = text('html')[0];
  const plain = text('text')[0];
  const delivered: DeliveredEmail = {
    from: parseList(text('from')[0] as string)[0] as EmailAddress,
    to: text('to').flatMap(parseList),
    cc: text('cc').flatMap(parseList),
    bcc: text('bcc')
      .flatMap(parseList)
      .map((a) => a.email),
    replyTo: text('h:Reply-To').flatMap(parseList),
    subject: text('subject')[0] as string,
    ...(plain === undefined ? {} : { text: plain }),
    ...(html === undefined ? {} : { html }),
    attachments,
    headers,
    tags: text('o:tag'),
    metadata,
  };
  const id = `${Date.now()}.${randomBytes(6).toString('hex')}@${route[1]}`;
  accepted.push({ apiKey, domain: route[1] as string, id, contentType, form, delivered });
  return json(200, { id: `<${id}>`, message: 'Queued. Thank you.' });
}

/** `a@x.io, "Doe, Jane" <j@x.io>, Ada <ada@x.io>` → mailboxes (quoted names may hold commas). */
export function parseList(value: string): EmailAddress[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (c === '\\' && quoted) {
      current += c + (value[++i] ?? '');
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === ',' && !quoted) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const named = /^(.*?)\s*<([^<>]+)>$/s.exec(p);
      if (!named) return { email: p };
      let name = (named[1] as string).trim();
      if (name.startsWith('"') && name.endsWith('"')) name = name.slice(1, -1).replace(/\\(.)/g, '$1');
      return name ? { email: named[2] as string, name } : { email: named[2] as string };
    });
}
