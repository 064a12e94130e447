import { describeEmailConformance, expectErr, expectOk } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createSendgridEmail } from '../src/index.js';
import { closedPort } from './support/http-fake.js';
import { startSendgridFake } from './support/sendgrid-fake.js';

const fake = await startSendgridFake();
afterAll(() => fake.close());

const base = { from: 'Shop <shop@example.com>', to: ['ada@example.com'], subject: 'Hello', text: 'Hi' };

describeEmailConformance({
  name: 'sendgrid',
  factory: ({ clock, id }) => createSendgridEmail({ apiKey: `SG.${id}`, baseUrl: fake.url, clock }),
  capabilities: { delivers: true, attachments: true, inlineImages: true, customHeaders: true, tags: true },
  delivered: async ({ id }) => fake.delivered(`SG.${id}`),
  maxRecipients: 1000,
});

describe('createSendgridEmail against a SendGrid fake', () => {
  it('posts the documented request: bearer key, JSON, idempotency key header', async () => {
    const email = createSendgridEmail({ apiKey: 'SG.shape', baseUrl: fake.url });
    const receipt = expectOk(await email.send({ ...base, idempotencyKey: 'order-1' }));
    const request = fake.server.requests.at(-1);
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/v3/mail/send');
    expect(request?.headers.authorization).toBe('Bearer SG.shape');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['idempotency-key']).toBe('order-1');
    const sent = fake.accepted.at(-1);
    expect(receipt).toEqual({ messageId: sent?.messageId, provider: 'sendgrid', accepted: ['ada@example.com'] });
    expect(sent?.body).toEqual({
      personalizations: [{ to: [{ email: 'ada@example.com' }] }],
      from: { email: 'shop@example.com', name: 'Shop' },
      subject: 'Hello',
      content: [{ type: 'text/plain', value: 'Hi' }],
    });
    await email.close();
  });

  it('maps SendGrid errors to codes', async () => {
    const email = createSendgridEmail({ apiKey: 'SG.errors', baseUrl: fake.url, retry: false, circuitBreaker: false });
    const revoked = createSendgridEmail({ apiKey: 'SG.revoked', baseUrl: fake.url, retry: false });
    expect(expectErr(await revoked.send(base), 'AUTH_FAILED').status).toBe(401);

    fake.server.failNext({
      status: 400,
      body: JSON.stringify({
        errors: [{ field: 'from.email', message: 'The from address does not match a verified Sender Identity.' }],
      }),
    });
    const rejected = expectErr(await email.send(base), 'REJECTED');
    expect(rejected.message).toContain('from.email: The from address does not match a verified Sender Identity.');

    fake.server.failNext({
      status: 429,
      headers: { 'retry-after': '7' },
      body: JSON.stringify({ errors: [{ field: null, message: 'too many requests' }] }),
    });
    const limited = expectErr(await email.send(base), 'RATE_LIMITED');
    expect(limited.retryAfterMs).toBe(7000);
    expect(limited.retryable).toBe(true);

    fake.server.failNext({
      status: 401,
      body: JSON.stringify({ errors: [{ field: null, message: 'Maximum credits exceeded' }] }),
    });
    expectErr(await email.send(base), 'QUOTA_EXCEEDED');
    fake.server.failNext({
      status: 403,
      body: JSON.stringify({ errors: [{ field: null, message: 'access forbidden' }] }),
    });
    expectErr(await email.send(base), 'AUTH_FAILED');
    fake.server.failNext({ status: 413, body: '' });
    expectErr(await email.send(base), 'REJECTED');
    fake.server.failNext({ status: 503, body: 'Service Unavailable' });
    expect(expectErr(await email.send(base), 'UNAVAILABLE').status).toBe(503);
    await Promise.all([email.close(), revoked.close()]);
  });

  it('is UNAVAILABLE when the request times out or nothing listens', async () => {
    const slow = createSendgridEmail({ apiKey: 'SG.slow', baseUrl: fake.url, timeoutMs: 50, retry: false });
    fake.server.failNext({ status: 202, delayMs: 2000 });
    expect(expectErr(await slow.send(base), 'UNAVAILABLE').message).toContain('timed out');
    const nobody = createSendgridEmail({
      apiKey: 'SG.x',
      baseUrl: `http://127.0.0.1:${await closedPort()}`,
      retry: false,
    });
    expect(expectErr(await nobody.send(base), 'UNAVAILABLE').message).toContain('ECONNREFUSED');
    await Promise.all([slow.close(), nobody.close()]);
  });

  it('retries a 429 after its Retry-After and a 503 with backoff, then sends once', async () => {
    const waits: number[] = [];
    const email = createSendgridEmail({
      apiKey: 'SG.retry',
      baseUrl: fake.url,
      retry: { maxAttempts: 4, initialDelayMs: 100, sleep: async (ms) => void waits.push(ms), random: () => 0.5 },
    });
    fake.server.failNext({ status: 429, headers: { 'retry-after': '3' } }, { status: 503 });
    const before = fake.accepted.length;
    expectOk(await email.send(base));
    expect(waits).toEqual([3000, 100]);
    expect(fake.accepted.length).toBe(before + 1);
    await email.close();
  });

  it('refuses what SendGrid refuses before sending', async () => {
    const email = createSendgridEmail({ apiKey: 'SG.local', baseUrl: fake.url });
    const before = fake.server.requests.length;
    expect(
      expectErr(await email.send({ ...base, to: [], bcc: ['x@example.com'] }), 'INVALID_MESSAGE').message,
    ).toContain("'to' recipient");
    expectErr(await email.send({ ...base, tags: Array.from({ length: 11 }, (_, i) => `t${i}`) }), 'INVALID_MESSAGE');
    expectErr(await email.send({ ...base, cc: ['ADA@example.com'] }), 'INVALID_MESSAGE');
    expectErr(await email.send({ ...base, headers: [{ name: 'X-SG-ID', value: '1' }] }), 'INVALID_MESSAGE');
    expect(fake.server.requests.length).toBe(before);
    await email.close();
  });

  it('sends several reply-to addresses as reply_to_list and sandbox mode as mail_settings', async () => {
    const email = createSendgridEmail({ apiKey: 'SG.sandbox', baseUrl: fake.url, sandboxMode: true });
    expectOk(await email.send({ ...base, replyTo: ['a@example.com', 'B <b@example.com>'] }));
    const body = JSON.parse(fake.server.requests.at(-1)?.body.toString() ?? '{}');
    expect(body.reply_to_list).toEqual([{ email: 'a@example.com' }, { email: 'b@example.com', name: 'B' }]);
    expect(body.reply_to).toBeUndefined();
    expect(body.mail_settings).toEqual({ sandbox_mode: { enable: true } });
    await email.close();
  });
});
