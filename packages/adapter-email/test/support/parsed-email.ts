import type { EmailAddress } from '@keel/core';
import type { DeliveredEmail } from '@keel/testing';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';

const MESSAGE_HEADERS = new Set([
  'from',
  'to',
  'cc',
  'bcc',
  'reply-to',
  'subject',
  'date',
  'message-id',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
  'x-keel-tags',
  'x-keel-metadata',
]);

/** Parses an RFC 5322 message with mailparser, keeping `cid:` links as they are. */
export function parseEml(raw: Buffer | string): Promise<ParsedMail> {
  return simpleParser(raw, { keepCidLinks: true, skipTextToHtml: true, skipImageLinks: true });
}

/**
 * What a MIME message carries, in the conformance suite's shape. Bcc comes from the envelope
 * (SMTP RCPT TO, SES Destination) unless the message kept a Bcc header (the dev outbox).
 */
export function deliveredFromParsed(
  parsed: ParsedMail,
  extra: { bcc?: readonly string[]; tags?: readonly string[]; metadata?: Readonly<Record<string, string>> } = {},
): DeliveredEmail {
  const headers: Record<string, string> = {};
  for (const { key, line } of parsed.headerLines) {
    if (MESSAGE_HEADERS.has(key)) continue;
    const value = parsed.headers.get(key);
    headers[key] = decodeWords(
      typeof value === 'string'
        ? value
        : line
            .slice(line.indexOf(':') + 1)
            .replace(/\r?\n[ \t]/g, ' ')
            .trim(),
    );
  }
  const keelTags = parsed.headers.get('x-keel-tags');
  const keelMetadata = parsed.headers.get('x-keel-metadata');
  return {
    from: addresses(parsed.from)[0] as EmailAddress,
    to: addresses(parsed.to),
    cc: addresses(parsed.cc),
    bcc: extra.bcc ? [...extra.bcc] : addresses(parsed.bcc).map((a) => a.email),
    replyTo: addresses(parsed.replyTo),
    subject: parsed.subject ?? '',
    ...(parsed.text === undefined ? {} : { text: parsed.text }),
    ...(typeof parsed.html === 'string' ? { html: parsed.html } : {}),
    attachments: parsed.attachments.map((a) => ({
      filename: a.filename ?? '',
      contentType: a.contentType,
      content: new Uint8Array(a.content),
      ...(a.cid === undefined ? {} : { contentId: a.cid }),
    })),
    headers,
    tags: extra.tags
      ? [...extra.tags]
      : typeof keelTags === 'string'
        ? (JSON.parse(decodeWords(keelTags)) as string[])
        : [],
    metadata: extra.metadata
      ? { ...extra.metadata }
      : typeof keelMetadata === 'string'
        ? (JSON.parse(decodeWords(keelMetadata)) as Record<string, string>)
        : {},
  };
}

function addresses(field: AddressObject | AddressObject[] | undefined): EmailAddress[] {
  const list = field === undefined ? [] : Array.isArray(field) ? field : [field];
  return list
    .flatMap((o) => o.value)
    .map((a) => (a.name ? { email: a.address ?? '', name: a.name } : { email: a.address ?? '' }));
}

/**
 * Decodes RFC 2047 encoded words (`=?UTF-8?Q?Gr=C3=BC=C3=9Fe?=`), which mailparser leaves in
 * headers it does not know. Adjacent words are joined before decoding, so a character split
 * across two words survives.
 */
export function decodeWords(value: string): string {
  const word = /=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g;
  let out = '';
  let last = 0;
  let pending: { charset: string; bytes: Buffer[] } | undefined;
  const flush = () => {
    if (pending) out += new TextDecoder(pending.charset.split('*')[0]).decode(Buffer.concat(pending.bytes));
    pending = undefined;
  };
  for (let m = word.exec(value); m; m = word.exec(value)) {
    const between = value.slice(last, m.index);
    if (!(pending && /^\s*$/.test(between))) {
      flush();
      out += between;
    }
    const [, charset, encoding, text] = m as unknown as [string, string, string, string];
    const bytes =
      encoding.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64')
        : Buffer.from(
            text
              .replace(/_/g, ' ')
              .replace(/=([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))),
            'latin1',
          );
    if (pending && pending.charset.toLowerCase() !== charset.toLowerCase()) flush();
    pending ??= { charset, bytes: [] };
    pending.bytes.push(bytes);
    last = word.lastIndex;
  }
  flush();
  return out + value.slice(last);
}
