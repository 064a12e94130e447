import { describe, expect, it } from 'vitest';
import { EmailError } from '../src/index.js';
import { defineEmail, type EmailDriver, type NormalizedEmail } from '../src/adapter.js';
import { expectErr, expectOk } from '@keel/testing';

const capabilities = { delivers: false, attachments: true, inlineImages: false, customHeaders: true, tags: true };

function recorder(overrides: Partial<EmailDriver> = {}) {
  const sent: NormalizedEmail[] = [];
  const email = defineEmail({
    adapter: 'recorder',
    capabilities,
    limits: { maxRecipients: 3 },
    send: (message) => {
      sent.push(message);
      return {
        messageId: `m${sent.length}`,
        provider: 'recorder',
        accepted: [...message.to, ...message.cc, ...message.bcc].map((a) => a.email),
      };
    },
    ...overrides,
  });
  return { email, sent };
}

const base = { from: 'Ada <ada@example.com>', to: ['bob@example.com'], subject: 'Hi', text: 'Hello' };

describe('defineEmail guard', () => {
  it('normalises addresses and lists before the driver sees them', async () => {
    const { email, sent } = recorder();
    expectOk(
      await email.send({
        ...base,
        cc: [{ email: 'c@example.com', name: '' }],
        replyTo: ['"Support Team" <s@example.com>'],
      }),
    );
    expect(sent[0]).toEqual({
      from: { email: 'ada@example.com', name: 'Ada' },
      to: [{ email: 'bob@example.com' }],
      cc: [{ email: 'c@example.com' }],
      bcc: [],
      replyTo: [{ email: 's@example.com', name: 'Support Team' }],
      subject: 'Hi',
      text: 'Hello',
      html: undefined,
      attachments: [],
      headers: [],
      tags: [],
      metadata: {},
      idempotencyKey: undefined,
    });
  });

  it('names every problem of an invalid message and sends nothing', async () => {
    const { email, sent } = recorder();
    const error = expectErr(
      await email.send({
        from: 'nobody',
        to: ['x@example.com', 'y@example.com', 'z@example.com', 'w@example.com'],
        subject: 'a\nb',
        headers: [{ name: 'To', value: 'v' }],
      }),
      'INVALID_MESSAGE',
    );
    expect(error.message.split('; ')).toEqual([
      "from[0] 'nobody' is not an email address",
      "4 recipients exceed this provider's limit of 3",
      'subject contains a line break (header injection)',
      'there is no body: give text, html or both',
      "headers[0]: 'To' is set by the message itself",
    ]);
    expect(sent).toEqual([]);
  });

  it('refuses a feature the adapter lacks before sending', async () => {
    const { email, sent } = recorder();
    const error = expectErr(
      await email.send({
        ...base,
        attachments: [{ filename: 'a.png', contentType: 'image/png', content: new Uint8Array(1), contentId: 'logo' }],
      }),
      'INVALID_MESSAGE',
    );
    expect(error.message).toBe("email adapter 'recorder' does not send inline images");
    expect(sent).toEqual([]);
  });

  it('keeps a provider error with its retry hint and status', async () => {
    const { email } = recorder({
      send: () => {
        throw new EmailError({ code: 'RATE_LIMITED', message: 'slow down', retryAfterMs: 2000, status: 429 });
      },
    });
    const error = expectErr(await email.send(base), 'RATE_LIMITED');
    expect([error.retryAfterMs, error.status, error.retryable, error.adapter, error.op]).toEqual([
      2000,
      429,
      true,
      'recorder',
      'send',
    ]);
  });

  it('throws nothing for garbage input; it is an Err', async () => {
    const { email } = recorder();
    expectErr(await email.send(null as never), 'INVALID_MESSAGE');
    expectErr(await email.send({ ...base, to: 'bob@example.com' as never }), 'INVALID_MESSAGE');
    expectErr(await email.send({ ...base, metadata: { k: 1 as never } }), 'INVALID_MESSAGE');
  });
});
