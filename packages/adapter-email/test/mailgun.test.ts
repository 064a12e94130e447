import { KeelOptionsError } from '@keel/core/adapter';
import { describeEmailConformance, expectErr, expectOk } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createMailgunEmail, mailgunBaseUrls } from '../src/index.js';
import { startMailgunFake, type FormFile } from './support/mailgun-fake.js';

const fake = await startMailgunFake();
afterAll(() => fake.close());

const base = { from: 'Shop <shop@example.com>', to: ['ada@example.com'], subject: 'Hello', text: 'Hi' };

describeEmailConformance({
  name: 'mailgun',
  factory: ({ clock, id }) =>
    createMailgunEmail({ apiKey: `key-${id}`, domain: 'mg.example.com', baseUrl: fake.url, clock }),
  capabilities: { delivers: true, attachments: true, inlineImages: true, customHeaders: true, tags: true },
  delivered: async ({ id }) => fake.delivered(`key-${id}`),
  maxRecipients: 1000,
});

describe('createMailgunEmail against a Mailgun fake', () => {
  it('posts the documented multipart form with basic auth api:<key>', async () => {
    const email = createMailgunEmail({ apiKey: 'key-shape', domain: 'mg.example.com', baseUrl: fake.url });
    const receipt = expectOk(
      await email.send({
        ...base,
        to: ['Ada Lovelace <ada@example.com>', 'bob@example.com'],
        bcc: ['audit@example.com'],
        replyTo: ['"Support, Team" <help@example.com>'],
        html: '<img src="cid:logo">',
        attachments: [
          { filename: 'a.pdf', contentType: 'application/pdf', content: new Uint8Array([1, 2, 3]) },
          { filename: 'logo.png', contentType: 'image/png', content: new Uint8Array([9]), contentId: 'logo' },
        ],
        headers: [{ name: 'X-Campaign', value: 'spring' }],
        tags: ['welcome', 'onboarding'],
        metadata: { userId: '42' },
        idempotencyKey: 'k-1',
      }),
    );
    const request = fake.server.requests.at(-1);
    const sent = fake.accepted.at(-1);
    expect(request?.path).toBe('/v3/mg.example.com/messages');
    expect(request?.headers.authorization).toBe(`Basic ${Buffer.from('api:key-shape').toString('base64')}`);
    expect(request?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(request?.headers['idempotency-key']).toBe('k-1');
    expect(receipt).toEqual({
      messageId: sent?.id,
      provider: 'mailgun',
      accepted: ['ada@example.com', 'bob@example.com', 'audit@example.com'],
    });
    const form = sent?.form as FormData;
    expect(form.getAll('to')).toEqual(['Ada Lovelace <ada@example.com>', 'bob@example.com']);
    expect(form.getAll('bcc')).toEqual(['audit@example.com']);
    expect(form.get('h:Reply-To')).toBe('"Support, Team" <help@example.com>');
    expect(form.getAll('o:tag')).toEqual(['welcome', 'onboarding']);
    expect(form.get('h:X-Campaign')).toBe('spring');
    expect(form.get('v:userId')).toBe('42');
    expect((form.get('attachment') as FormFile).name).toBe('a.pdf');
    expect((form.get('inline') as FormFile).name).toBe('logo');
    expect(sent?.delivered.replyTo).toEqual([{ email: 'help@example.com', name: 'Support, Team' }]);
    await email.close();
  });

  it('uses the US host by default and the EU host for region eu', () => {
    expect(mailgunBaseUrls).toEqual({ us: 'https://api.mailgun.net', eu: 'https://api.eu.mailgun.net' });
    expect(() => createMailgunEmail({ apiKey: 'k', domain: 'mg.example.com', region: 'ap' as 'eu' })).toThrow(
      /region: expected one of 'us', 'eu'/,
    );
    expect(() => createMailgunEmail({ apiKey: 'k', domain: 'bad domain' })).toThrow(KeelOptionsError);
  });

  it('maps Mailgun errors to codes', async () => {
    const bad = createMailgunEmail({ apiKey: 'wrong', domain: 'mg.example.com', baseUrl: fake.url, retry: false });
    expect(expectErr(await bad.send(base), 'AUTH_FAILED').message).toContain('Forbidden');
    const email = createMailgunEmail({
      apiKey: 'key-errors',
      domain: 'mg.example.com',
      baseUrl: fake.url,
      retry: false,
      circuitBreaker: false,
    });
    fake.server.failNext({
      status: 400,
      body: JSON.stringify({ message: "'to' parameter is not a valid address. please check documentation" }),
    });
    expect(expectErr(await email.send(base), 'REJECTED').message).toContain("'to' parameter is not a valid address");
    fake.server.failNext({ status: 402, body: JSON.stringify({ message: 'Request failed' }) });
    expectErr(await email.send(base), 'REJECTED');
    // Retry-After as an HTTP date, two minutes ahead (the date has whole seconds).
    fake.server.failNext({
      status: 429,
      headers: { 'retry-after': new Date(Date.now() + 120_000).toUTCString() },
      body: JSON.stringify({ message: 'Too many requests' }),
    });
    const wait = expectErr(await email.send(base), 'RATE_LIMITED').retryAfterMs as number;
    expect(wait).toBeGreaterThan(118_000);
    expect(wait).toBeLessThanOrEqual(120_000);
    fake.server.failNext({ status: 502, body: 'Bad Gateway' });
    expectErr(await email.send(base), 'UNAVAILABLE');
    await Promise.all([bad.close(), email.close()]);
  });

  it('refuses more than 3 tags before sending', async () => {
    const email = createMailgunEmail({ apiKey: 'key-tags', domain: 'mg.example.com', baseUrl: fake.url });
    const before = fake.server.requests.length;
    expect(expectErr(await email.send({ ...base, tags: ['a', 'b', 'c', 'd'] }), 'INVALID_MESSAGE').message).toContain(
      'at most 3 tags',
    );
    expect(fake.server.requests.length).toBe(before);
    await email.close();
  });
});
