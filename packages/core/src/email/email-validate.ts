import { describeValue } from '../errors/describe-value.js';
import type {
  EmailAddress,
  EmailAddressInput,
  EmailAttachment,
  EmailHeader,
  EmailMessage,
  NormalizedEmail,
} from './email-contract.js';
import { addressProblem, parseAddress } from './email-address.js';
import type { EmailLimits } from './email-limits.js';

// Headers the message already sets: letting callers add them would allow a second From or a
// hidden Bcc, so they are refused.
const RESERVED_HEADERS = new Set([
  'from',
  'to',
  'cc',
  'bcc',
  'reply-to',
  'subject',
  'sender',
  'date',
  'message-id',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
  'content-disposition',
  'return-path',
]);
const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]+$/;
const MIME_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*(\s*;.*)?$/i;
const LINE_BREAK = /[\r\n]/;
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/**
 * Checks a message and returns it normalised, or the reason it is invalid. Every string that
 * ends up in a header is checked for CR and LF (header injection) and control characters.
 */
export function normalizeEmail(message: EmailMessage, limits: EmailLimits): NormalizedEmail | string {
  if (typeof message !== 'object' || message === null)
    return `message must be an object, got ${describeValue(message)}`;
  const problems: string[] = [];
  const headerText = (field: string, value: unknown, required: boolean): string | undefined => {
    if (value === undefined && !required) return undefined;
    if (typeof value !== 'string') return void problems.push(`${field} must be a string, got ${describeValue(value)}`);
    if (LINE_BREAK.test(value)) return void problems.push(`${field} contains a line break (header injection)`);
    if (CONTROL.test(value)) return void problems.push(`${field} contains a control character`);
    return value;
  };
  const addresses = (field: string, list: unknown): EmailAddress[] => {
    if (list === undefined) return [];
    if (!Array.isArray(list)) return fail(problems, `${field} must be an array of addresses`);
    return list.flatMap((input: EmailAddressInput, i) => {
      const parsed = parseAddress(input);
      if (typeof parsed === 'string') return fail(problems, `${field}[${i}] ${parsed}`);
      const bad = addressProblem(parsed.email);
      if (bad) return fail(problems, `${field}[${i}] '${parsed.email}' ${bad}`);
      if (parsed.name !== undefined) headerText(`${field}[${i}].name`, parsed.name, true);
      return [parsed];
    });
  };

  const from = addresses('from', [message.from]);
  const to = addresses('to', message.to);
  const cc = addresses('cc', message.cc);
  const bcc = addresses('bcc', message.bcc);
  const replyTo = addresses('replyTo', message.replyTo);
  const recipients = to.length + cc.length + bcc.length;
  if (recipients === 0 && problems.length === 0) problems.push('there are no recipients (to, cc or bcc)');
  if (recipients > limits.maxRecipients)
    problems.push(`${recipients} recipients exceed this provider's limit of ${limits.maxRecipients}`);

  const subject = headerText('subject', message.subject, true);
  if (subject === '') problems.push('subject is empty');
  for (const body of ['text', 'html'] as const) {
    if (message[body] !== undefined && typeof message[body] !== 'string') problems.push(`${body} must be a string`);
  }
  if (!message.text && !message.html) problems.push('there is no body: give text, html or both');

  const attachments = readAttachments(message.attachments, limits, problems);
  const headers = readHeaders(message.headers, problems, headerText);
  const tags = readList('tags', message.tags, problems).map((t, i) => headerText(`tags[${i}]`, t, true) ?? '');
  const metadata = readMetadata(message.metadata, problems, headerText);
  const idempotencyKey = headerText('idempotencyKey', message.idempotencyKey, false);
  if (idempotencyKey !== undefined && (idempotencyKey.length === 0 || idempotencyKey.length > 256)) {
    problems.push('idempotencyKey must be 1 to 256 characters');
  }
  const size =
    Buffer.byteLength(message.text ?? '') +
    Buffer.byteLength(message.html ?? '') +
    attachments.reduce((n, a) => n + a.content.byteLength, 0);
  if (size > limits.maxMessageBytes)
    problems.push(`the message is ${size} bytes, over the limit of ${limits.maxMessageBytes}`);

  if (problems.length > 0) return problems.join('; ');
  return {
    from: from[0] as EmailAddress,
    to,
    cc,
    bcc,
    replyTo,
    subject: subject as string,
    text: message.text || undefined,
    html: message.html || undefined,
    attachments,
    headers,
    tags,
    metadata,
    idempotencyKey,
  };
}

/** Records a problem; returns nothing to keep, for use in `flatMap`. */
function fail(problems: string[], problem: string): [] {
  problems.push(problem);
  return [];
}

type HeaderText = (field: string, value: unknown, required: boolean) => string | undefined;

function readList(field: string, value: unknown, problems: string[]): unknown[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value;
  problems.push(`${field} must be an array`);
  return [];
}

function readAttachments(value: unknown, limits: EmailLimits, problems: string[]): EmailAttachment[] {
  const list = readList('attachments', value, problems);
  if (list.length > limits.maxAttachments)
    problems.push(`${list.length} attachments exceed the limit of ${limits.maxAttachments}`);
  return list.flatMap((a, i) => {
    const at = `attachments[${i}]`;
    const { filename, contentType, content, contentId } = (a ?? {}) as Partial<EmailAttachment>;
    const before = problems.length;
    if (
      typeof filename !== 'string' ||
      filename === '' ||
      LINE_BREAK.test(filename) ||
      CONTROL.test(filename) ||
      /[\\/]/.test(filename)
    ) {
      problems.push(`${at}.filename must be a plain file name (no path, line break or control character)`);
    }
    if (typeof contentType !== 'string' || !MIME_TYPE.test(contentType) || LINE_BREAK.test(contentType)) {
      problems.push(`${at}.contentType must be a MIME type such as application/pdf`);
    }
    if (!(content instanceof Uint8Array)) problems.push(`${at}.content must be a Uint8Array`);
    if (contentId !== undefined && (typeof contentId !== 'string' || !/^[\x21-\x3b\x3d\x3f-\x7e]+$/.test(contentId))) {
      problems.push(`${at}.contentId must be printable ASCII without spaces or angle brackets`);
    }
    return problems.length > before ? [] : [a as EmailAttachment];
  });
}

function readHeaders(value: unknown, problems: string[], headerText: HeaderText): EmailHeader[] {
  return readList('headers', value, problems).flatMap((h, i) => {
    const { name, value: text } = (h ?? {}) as Partial<EmailHeader>;
    if (typeof name !== 'string' || !FIELD_NAME.test(name))
      return fail(problems, `headers[${i}].name is not a header name`);
    if (RESERVED_HEADERS.has(name.toLowerCase()))
      return fail(problems, `headers[${i}]: '${name}' is set by the message itself`);
    const checked = headerText(`headers[${i}].value`, text, true);
    return checked === undefined ? [] : [{ name, value: checked }];
  });
}

function readMetadata(value: unknown, problems: string[], headerText: HeaderText): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return (fail(problems, 'metadata must be an object of strings'), {});
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    const k = headerText(`metadata key '${key}'`, key, true);
    const checked = headerText(`metadata.${key}`, v, true);
    if (k !== undefined && checked !== undefined) out[k] = checked;
  }
  return out;
}
