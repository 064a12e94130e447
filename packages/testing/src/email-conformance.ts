import fc from 'fast-check';
import { describe, expect } from 'vitest';
import type { EmailMessage } from '@keel/core';
import { expectErr, expectOk } from './expect-result.js';
import { EmailHarness, type DeliveredEmail, type EmailConformanceOptions } from './email-harness.js';

const base = {
  from: 'Keel Test <sender@example.com>',
  to: ['ada@example.com'],
  subject: 'Hello',
  text: 'Hi Ada',
} satisfies EmailMessage;
/** Bodies compare without the trailing line break some transports add. */
const body = (text: string | undefined) => text?.replace(/\r\n/g, '\n').replace(/\n+$/, '');
const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0xff, 0x00]);

/**
 * The email contract as tests, for any email adapter: what the provider's end received must be
 * what was sent, invalid messages must reach nobody, and failures must carry their codes.
 *
 * @example
 * describeEmailConformance({
 *   name: 'sendgrid',
 *   factory: () => createSendgridEmail({ apiKey: 'test', baseUrl: server.url }),
 *   capabilities: { delivers: true, attachments: true, inlineImages: true, customHeaders: true, tags: true },
 *   delivered: async () => server.received.map(fromSendgridRequest),
 * });
 */
export function describeEmailConformance(options: EmailConformanceOptions): void {
  describe(`email conformance: ${options.name}`, () => {
    const h = new EmailHarness(options);
    const send = async (message: EmailMessage) => {
      const { instance, context } = await h.create();
      const receipt = expectOk(await instance.send(message));
      const delivered = await options.delivered(context);
      expect(delivered.length).toBeGreaterThan(0);
      return { receipt, delivered: delivered.at(-1) as DeliveredEmail, instance, context };
    };

    h.test('declares the capabilities it was registered with', async () => {
      expect({ ...(await h.instance()).capabilities }).toEqual({ ...options.capabilities });
    });

    h.test('sends a plain message and returns a receipt', async () => {
      const { receipt, delivered } = await send(base);
      expect(receipt.messageId.length).toBeGreaterThan(0);
      expect(receipt.accepted).toEqual(['ada@example.com']);
      expect(delivered.from).toEqual({ email: 'sender@example.com', name: 'Keel Test' });
      expect(delivered.to).toEqual([{ email: 'ada@example.com' }]);
      expect(delivered.subject).toBe('Hello');
      expect(body(delivered.text)).toBe('Hi Ada');
    });

    h.test('delivers text and html, cc, bcc and reply-to', async () => {
      const { receipt, delivered } = await send({
        ...base,
        to: [{ email: 'ada@example.com', name: 'Ada Lovelace' }],
        cc: ['charles@example.com'],
        bcc: ['auditor@example.com'],
        replyTo: ['Support <support@example.com>'],
        html: '<p>Hi <b>Ada</b></p>',
      });
      expect([...receipt.accepted].sort()).toEqual(['ada@example.com', 'auditor@example.com', 'charles@example.com']);
      expect(delivered.to).toEqual([{ email: 'ada@example.com', name: 'Ada Lovelace' }]);
      expect(delivered.cc).toEqual([{ email: 'charles@example.com' }]);
      expect(delivered.bcc).toEqual(['auditor@example.com']);
      expect(delivered.replyTo).toEqual([{ email: 'support@example.com', name: 'Support' }]);
      expect(body(delivered.html)).toBe('<p>Hi <b>Ada</b></p>');
      expect(body(delivered.text)).toBe('Hi Ada');
    });

    h.test('keeps non-ASCII subjects, names and bodies', async () => {
      const { delivered } = await send({
        ...base,
        from: { email: 'sender@example.com', name: 'Zoë Ünal — 東京' },
        subject: 'Grüße 👋 from Zürich, 日本語の件名 that is long enough to be folded by an encoder',
        text: 'Ça va? ✓ Ünïcödé body\nsecond line',
      });
      expect(delivered.from.name).toBe('Zoë Ünal — 東京');
      expect(delivered.subject).toBe(
        'Grüße 👋 from Zürich, 日本語の件名 that is long enough to be folded by an encoder',
      );
      expect(body(delivered.text)).toBe('Ça va? ✓ Ünïcödé body\nsecond line');
    });

    h.test(
      'delivers attachments byte for byte',
      async () => {
        const pdf = new Uint8Array(3000).map((_, i) => (i * 7) % 256);
        const { delivered } = await send({
          ...base,
          attachments: [
            { filename: 'report.pdf', contentType: 'application/pdf', content: pdf },
            { filename: 'notes ü.txt', contentType: 'text/plain', content: new TextEncoder().encode('plain ✓') },
          ],
        });
        expect(delivered.attachments.map((a) => [a.filename, a.contentType.split(';')[0], [...a.content]])).toEqual([
          ['report.pdf', 'application/pdf', [...pdf]],
          ['notes ü.txt', 'text/plain', [...new TextEncoder().encode('plain ✓')]],
        ]);
      },
      'attachments',
    );

    h.test(
      'delivers inline images with their content id',
      async () => {
        const { delivered } = await send({
          ...base,
          html: '<img src="cid:logo@keel">',
          attachments: [{ filename: 'logo.png', contentType: 'image/png', content: png, contentId: 'logo@keel' }],
        });
        const [logo] = delivered.attachments;
        expect(logo?.contentId).toBe('logo@keel');
        expect([...(logo?.content ?? [])]).toEqual([...png]);
      },
      'inlineImages',
    );

    h.test(
      'delivers custom headers',
      async () => {
        const { delivered } = await send({
          ...base,
          headers: [
            { name: 'X-Campaign', value: 'spring' },
            { name: 'List-Unsubscribe', value: '<mailto:u@example.com>' },
          ],
        });
        expect(delivered.headers['x-campaign']).toBe('spring');
        expect(delivered.headers['list-unsubscribe']).toBe('<mailto:u@example.com>');
      },
      'customHeaders',
    );

    h.test(
      'delivers tags and metadata',
      async () => {
        const { delivered } = await send({ ...base, tags: ['welcome'], metadata: { userId: '42' } });
        expect(delivered.tags).toEqual(['welcome']);
        expect(delivered.metadata).toEqual({ userId: '42' });
      },
      'tags',
    );

    h.test('a repeated idempotency key returns the first receipt and sends once', async () => {
      const { instance, context } = await h.create();
      const before = (await options.delivered(context)).length;
      const message = { ...base, idempotencyKey: `welcome-${context.id}` };
      const first = expectOk(await instance.send(message));
      const again = expectOk(await instance.send({ ...message, subject: 'changed, and still not sent' }));
      const concurrent = await Promise.all([1, 2, 3].map(() => instance.send(message)));
      expect(again).toEqual(first);
      for (const r of concurrent) expect(expectOk(r)).toEqual(first);
      expectOk(await instance.send({ ...message, idempotencyKey: `other-${context.id}` }));
      expect((await options.delivered(context)).length).toBe(before + 2);
    });

    h.test('refuses invalid messages with INVALID_MESSAGE and sends nothing', async () => {
      const { instance, context } = await h.create();
      const before = (await options.delivered(context)).length;
      const invalid: [string, EmailMessage][] = [
        ['CR/LF in the subject', { ...base, subject: 'Hi\r\nBcc: victim@example.com' }],
        ['LF in a display name', { ...base, to: [{ email: 'ada@example.com', name: 'Ada\nBcc: x@example.com' }] }],
        ['CR in a header value', { ...base, headers: [{ name: 'X-Test', value: 'a\rb' }] }],
        ['a reserved header', { ...base, headers: [{ name: 'Bcc', value: 'x@example.com' }] }],
        ['a malformed address', { ...base, to: ['not an address'] }],
        ['a malformed sender', { ...base, from: 'sender@' }],
        ['no recipients', { ...base, to: [] }],
        ['no body', { from: base.from, to: base.to, subject: 'x' }],
        ['an empty subject', { ...base, subject: '' }],
        [
          'a path in a filename',
          {
            ...base,
            attachments: [{ filename: '../../etc/passwd', contentType: 'text/plain', content: new Uint8Array(1) }],
          },
        ],
        [
          'too many recipients',
          { ...base, to: Array.from({ length: (options.maxRecipients ?? 1000) + 1 }, (_, i) => `r${i}@example.com`) },
        ],
      ];
      for (const [why, message] of invalid) {
        const error = expectErr(await instance.send(message), 'INVALID_MESSAGE');
        expect(error.message.length, why).toBeGreaterThan(0);
      }
      expect((await options.delivered(context)).length).toBe(before);
    });

    h.test('every send after close is NOT_OPEN', async () => {
      const email = await h.instance();
      await email.close();
      await email.close();
      expectErr(await email.send(base), 'NOT_OPEN');
      expect((await email.health()).ok).toBe(false);
    });

    h.test('random subjects and bodies arrive unchanged', async () => {
      const { instance, context } = await h.create();
      const printable = fc
        .string({ unit: 'grapheme', minLength: 1, maxLength: 60 })
        .filter((s) => s.trim() === s && !/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(s));
      await fc.assert(
        fc.asyncProperty(printable, printable, async (subject, text) => {
          expectOk(await instance.send({ ...base, subject, text }));
          const last = (await options.delivered(context)).at(-1);
          expect(last?.subject).toBe(subject);
          expect(body(last?.text)).toBe(text);
        }),
        { numRuns: options.numRuns ?? 15 },
      );
    });

    h.checkSkips();
  });
}
