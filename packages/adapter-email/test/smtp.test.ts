import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describeEmailConformance, expectErr, expectOk } from '@keel/testing';
import nodemailer from 'nodemailer';
import { afterAll, describe, expect, it } from 'vitest';
import { createSmtpEmail, type SmtpEmailOptions } from '../src/index.js';
import { smtpErrorCode } from '../src/smtp-errors.js';
import { decodeWords } from './support/parsed-email.js';
import { smtpPasswordOf, startSmtpFake, testCert } from './support/smtp-fake.js';

const starttls = await startSmtpFake('starttls');
const implicit = await startSmtpFake('tls');
const plain = await startSmtpFake('plain');
afterAll(() => Promise.all([starttls.close(), implicit.close(), plain.close()]));

const userOf = (id: string) => `u-${id}`;
const login = (user: string) => ({ user, password: smtpPasswordOf(user) });
const viaStarttls = (user: string, extra: Partial<SmtpEmailOptions> = {}) =>
  createSmtpEmail({ host: '127.0.0.1', port: starttls.port, ...login(user), tls: { ca: testCert }, ...extra });
const base = { from: 'Shop <shop@example.com>', to: ['ada@example.com'], subject: 'Hello', text: 'Hi' };

describeEmailConformance({
  name: 'smtp (STARTTLS, pooled)',
  factory: ({ clock, id }) => viaStarttls(userOf(id), { clock }),
  capabilities: { delivers: true, attachments: true, inlineImages: true, customHeaders: true, tags: false },
  delivered: async ({ id }) => starttls.delivered(userOf(id)),
  maxRecipients: 100,
});

describe('createSmtpEmail against a real SMTP server', () => {
  it('upgrades with STARTTLS, verifies the certificate and round-trips everything through mailparser', async () => {
    const email = viaStarttls('roundtrip');
    const pdf = new Uint8Array(5000).map((_, i) => (i * 31) % 256);
    const logo = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 4]);
    const receipt = expectOk(
      await email.send({
        from: { email: 'shop@example.com', name: 'Bäckerei Müller — 東京' },
        to: ['Zoë <zoe@example.com>'],
        bcc: ['audit@example.com'],
        subject: 'Ihre Bestellung ✓ — 注文確認 (a subject long enough to be folded across lines)',
        text: 'Grüße,\nIhre Bäckerei',
        html: '<p>Grüße <img src="cid:logo@shop"></p>',
        attachments: [
          { filename: 'Rechnung ü.pdf', contentType: 'application/pdf', content: pdf },
          { filename: 'logo.png', contentType: 'image/png', content: logo, contentId: 'logo@shop' },
        ],
        headers: [{ name: 'X-Note', value: 'Grüße aus Zürich — 東京' }],
        idempotencyKey: 'order-7',
      }),
    );
    const got = starttls.received.at(-1);
    expect(got?.secure).toBe(true);
    expect(got?.user).toBe('roundtrip');
    expect(got?.rcptTo).toEqual(['zoe@example.com', 'audit@example.com']);
    expect(receipt.accepted).toEqual(['zoe@example.com', 'audit@example.com']);
    expect(`<${receipt.messageId}>`).toBe(got?.parsed.messageId);
    const parsed = got?.parsed;
    expect(parsed?.from?.value).toEqual([{ address: 'shop@example.com', name: 'Bäckerei Müller — 東京' }]);
    expect(parsed?.subject).toBe('Ihre Bestellung ✓ — 注文確認 (a subject long enough to be folded across lines)');
    expect(parsed?.text?.trim()).toBe('Grüße,\nIhre Bäckerei');
    expect(parsed?.html).toBe('<p>Grüße <img src="cid:logo@shop"></p>');
    expect(decodeWords(parsed?.headers.get('x-note') as string)).toBe('Grüße aus Zürich — 東京');
    expect(got?.delivered.headers['x-note']).toBe('Grüße aus Zürich — 東京');
    expect(parsed?.headers.has('bcc')).toBe(false);
    const invoice = parsed?.attachments.find((a) => a.contentDisposition === 'attachment');
    const inline = parsed?.attachments.find((a) => a.contentDisposition === 'inline');
    expect(invoice?.filename).toBe('Rechnung ü.pdf');
    expect([...(invoice?.content ?? [])]).toEqual([...pdf]);
    expect(inline?.cid).toBe('logo@shop');
    expect(inline?.contentDisposition).toBe('inline');
    expect([...(inline?.content ?? [])]).toEqual([...logo]);
    await email.close();
  });

  it('gives the same Message-ID to every send with the same idempotency key', async () => {
    const one = viaStarttls('mid', { idempotency: false });
    const a = expectOk(await one.send({ ...base, idempotencyKey: 'same' }));
    const b = expectOk(await one.send({ ...base, idempotencyKey: 'same' }));
    const c = expectOk(await one.send({ ...base, idempotencyKey: 'other' }));
    expect(a.messageId).toBe(b.messageId);
    expect(c.messageId).not.toBe(a.messageId);
    expect(a.messageId).toMatch(/^keel\.[0-9a-f]{40}@example\.com$/);
    await one.close();
  });

  it('speaks implicit TLS, plain and opportunistic SMTP when told to', async () => {
    const tls = createSmtpEmail({
      host: '127.0.0.1',
      port: implicit.port,
      security: 'tls',
      ...login('tls'),
      tls: { ca: testCert },
      pool: false,
    });
    expectOk(await tls.send(base));
    expect(implicit.received.at(-1)?.secure).toBe(true);
    const none = createSmtpEmail({ host: '127.0.0.1', port: plain.port, security: 'none', ...login('plain') });
    expectOk(await none.send(base));
    expect(plain.received.at(-1)?.secure).toBe(false);
    // Opportunistic: upgrades where STARTTLS is offered, goes on in clear where it is not.
    const upgrades = createSmtpEmail({
      host: '127.0.0.1',
      port: starttls.port,
      security: 'opportunistic',
      ...login('opp'),
      tls: { ca: testCert },
    });
    expectOk(await upgrades.send(base));
    expect(starttls.received.at(-1)?.secure).toBe(true);
    const clear = createSmtpEmail({ host: '127.0.0.1', port: plain.port, security: 'opportunistic', ...login('opp') });
    expectOk(await clear.send(base));
    expect(plain.received.at(-1)?.user).toBe('opp');
    await Promise.all([tls.close(), none.close(), upgrades.close(), clear.close()]);
  });

  it('refuses to send in clear when STARTTLS is required but not offered, or the certificate does not verify', async () => {
    const noTls = createSmtpEmail({ host: '127.0.0.1', port: plain.port, ...login('x'), retry: false });
    expectErr(await noTls.send(base), 'UNAVAILABLE');
    const untrusted = createSmtpEmail({ host: '127.0.0.1', port: starttls.port, ...login('x'), retry: false });
    expect(expectErr(await untrusted.send(base), 'UNAVAILABLE').message).toMatch(/certificate/i);
    await Promise.all([noTls.close(), untrusted.close()]);
  });

  it('maps refused credentials to AUTH_FAILED and health to not ok', async () => {
    const email = viaStarttls('eve', { password: 'wrong', retry: false });
    expect(expectErr(await email.send(base), 'AUTH_FAILED').status).toBe(535);
    expect((await email.health()).ok).toBe(false);
    const good = viaStarttls('good');
    expect((await good.health()).ok).toBe(true);
    await Promise.all([email.close(), good.close()]);
  });

  it('maps 5xx replies to REJECTED and 4xx to UNAVAILABLE or RATE_LIMITED', async () => {
    const email = viaStarttls('replies', { retry: false, circuitBreaker: false, pool: false });
    expect(expectErr(await email.send({ ...base, to: ['reject-550@example.com'] }), 'REJECTED').status).toBe(550);
    expect(expectErr(await email.send({ ...base, to: ['defer-450@example.com'] }), 'UNAVAILABLE').status).toBe(450);
    expect(expectErr(await email.send({ ...base, to: ['slow-421@example.com'] }), 'RATE_LIMITED').status).toBe(421);
    expect(expectErr(await email.send({ ...base, to: ['busy-452@example.com'] }), 'RATE_LIMITED').status).toBe(452);
    const partly = expectOk(await email.send({ ...base, to: ['ada@example.com', 'reject-550@example.com'] }));
    expect(partly.accepted).toEqual(['ada@example.com']);
    await email.close();
  });

  it('classifies nodemailer errors', () => {
    expect(smtpErrorCode({ code: 'EAUTH', responseCode: 535 })).toBe('AUTH_FAILED');
    expect(smtpErrorCode({ code: 'ENOAUTH' })).toBe('AUTH_FAILED');
    expect(smtpErrorCode({ code: 'EENVELOPE', responseCode: 530, response: '530 5.7.0 Authentication required' })).toBe(
      'AUTH_FAILED',
    );
    expect(smtpErrorCode({ code: 'EMESSAGE', responseCode: 552, response: '552 5.3.4 Message too big' })).toBe(
      'REJECTED',
    );
    expect(
      smtpErrorCode({ code: 'EENVELOPE', responseCode: 451, response: '451 4.3.0 Temporary lookup failure' }),
    ).toBe('UNAVAILABLE');
    expect(
      smtpErrorCode({
        code: 'EENVELOPE',
        responseCode: 450,
        response: '450 4.7.1 Client host rejected: too many connections',
      }),
    ).toBe('RATE_LIMITED');
    expect(smtpErrorCode({ code: 'ECONNECTION' })).toBe('UNAVAILABLE');
    expect(smtpErrorCode({ code: 'ETIMEDOUT' })).toBe('UNAVAILABLE');
    expect(smtpErrorCode({ code: 'ETLS' })).toBe('UNAVAILABLE');
  });

  it('times out a server that never answers', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const email = createSmtpEmail({
      host: '127.0.0.1',
      port: (silent.address() as AddressInfo).port,
      timeoutMs: 200,
      retry: false,
      pool: false,
    });
    expectErr(await email.send(base), 'UNAVAILABLE');
    await email.close();
    silent.close();
  });

  it('reuses pooled connections', async () => {
    const before = starttls.connections;
    const email = viaStarttls('pool', { maxConnections: 2 });
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => email.send({ ...base, subject: `m${i}` })));
    for (const r of results) expectOk(r);
    expect(starttls.connections - before).toBeLessThanOrEqual(2);
    expect(
      starttls
        .delivered('pool')
        .map((d) => d.subject)
        .sort(),
    ).toEqual(Array.from({ length: 12 }, (_, i) => `m${i}`).sort());
    await email.close();
  });

  it('produces what raw nodemailer produces for the same message', async () => {
    const raw = nodemailer.createTransport({
      host: '127.0.0.1',
      port: starttls.port,
      requireTLS: true,
      auth: { user: 'raw', pass: smtpPasswordOf('raw') },
      tls: { ca: testCert },
    });
    await raw.sendMail({ from: '"Shop" <shop@example.com>', to: 'ada@example.com', subject: 'Hello', text: 'Hi' });
    raw.close();
    const keel = viaStarttls('keel');
    expectOk(await keel.send(base));
    await keel.close();
    const [a, b] = [starttls.delivered('raw')[0], starttls.delivered('keel')[0]];
    expect(b).toEqual(a);
  });
});
