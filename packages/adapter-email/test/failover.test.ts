import { createKeel } from '@keel/core';
import { KeelOptionsError } from '@keel/core/adapter';
import { ManualClock, describeEmailConformance, expectErr, expectOk } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createFailoverEmail,
  createMailgunEmail,
  createOutboxEmail,
  createSendgridEmail,
  createSmtpEmail,
  emailAdapters,
} from '../src/index.js';
import { startMailgunFake } from './support/mailgun-fake.js';
import { startSendgridFake } from './support/sendgrid-fake.js';

const sendgrid = await startSendgridFake();
const mailgun = await startMailgunFake();
afterAll(() => Promise.all([sendgrid.close(), mailgun.close()]));

const base = { from: 'Shop <shop@example.com>', to: ['ada@example.com'], subject: 'Hello', text: 'Hi' };
const chain = (name: string) => {
  const primary = createSendgridEmail({ apiKey: `SG.${name}`, baseUrl: sendgrid.url, retry: false });
  const secondary = createMailgunEmail({
    apiKey: `key-${name}`,
    domain: 'mg.example.com',
    baseUrl: mailgun.url,
    retry: false,
  });
  return { primary, secondary, email: createFailoverEmail({ providers: [primary, secondary] }) };
};

// SendGrid is down for these instances: every message goes through the chain to Mailgun.
describeEmailConformance({
  name: 'failover (sendgrid down → mailgun)',
  factory: ({ clock, id }) =>
    createFailoverEmail({
      clock,
      providers: [
        { adapter: 'sendgrid', options: { apiKey: `SG.down-${id}`, baseUrl: sendgrid.url, retry: false, clock } },
        { adapter: 'mailgun', options: { apiKey: `key-${id}`, domain: 'mg.example.com', baseUrl: mailgun.url, clock } },
      ],
    }),
  capabilities: { delivers: true, attachments: true, inlineImages: true, customHeaders: true, tags: true },
  delivered: async ({ id }) => mailgun.delivered(`key-${id}`),
  maxRecipients: 1000,
});

describe('createFailoverEmail', () => {
  it('uses the first provider while it works', async () => {
    const { email } = chain('happy');
    expect(expectOk(await email.send(base)).provider).toBe('sendgrid');
    expect(mailgun.delivered('key-happy')).toHaveLength(0);
  });

  it('moves on after UNAVAILABLE or RATE_LIMITED; the receipt names the provider that sent', async () => {
    const { email } = chain('moves');
    sendgrid.server.failNext({ status: 503 });
    const receipt = expectOk(await email.send(base));
    expect(receipt.provider).toBe('mailgun');
    expect(receipt.messageId).toBe(mailgun.accepted.at(-1)?.id);
    sendgrid.server.failNext({ status: 429, headers: { 'retry-after': '30' } });
    expect(expectOk(await email.send(base)).provider).toBe('mailgun');
    expect(mailgun.delivered('key-moves')).toHaveLength(2);
    expect(sendgrid.delivered('SG.moves')).toHaveLength(0);
  });

  it('does not move on after an error another provider would repeat', async () => {
    const { email } = chain('stops');
    sendgrid.server.failNext({ status: 400, body: JSON.stringify({ errors: [{ field: 'content', message: 'bad' }] }) });
    expect(expectErr(await email.send(base), 'REJECTED').adapter).toBe('failover');
    const revoked = createFailoverEmail({
      providers: [createSendgridEmail({ apiKey: 'SG.revoked', baseUrl: sendgrid.url }), chain('unused').secondary],
    });
    expectErr(await revoked.send(base), 'AUTH_FAILED');
    expect(mailgun.delivered('key-stops')).toHaveLength(0);
    expect(mailgun.delivered('key-unused')).toHaveLength(0);
  });

  it('skips a provider whose circuit is open without calling it', async () => {
    const clock = new ManualClock();
    const primary = createSendgridEmail({
      apiKey: 'SG.open',
      baseUrl: sendgrid.url,
      clock,
      retry: false,
      circuitBreaker: { failureThreshold: 1, resetAfterMs: 60_000 },
    });
    const secondary = createOutboxEmail();
    const email = createFailoverEmail({ providers: [primary, secondary] });
    sendgrid.server.failNext({ status: 500 });
    expect(expectOk(await email.send(base)).provider).toBe('outbox');
    const before = sendgrid.server.requests.length;
    expect(expectOk(await email.send(base)).provider).toBe('outbox');
    expect(sendgrid.server.requests.length).toBe(before);
  });

  it('fails with every reason and the soonest Retry-After when all providers are down', async () => {
    const { email } = chain('down');
    sendgrid.server.failNext({ status: 429, headers: { 'retry-after': '20' } });
    mailgun.server.failNext({ status: 429, headers: { 'retry-after': '5' } });
    const error = expectErr(await email.send(base), 'RATE_LIMITED');
    expect(error.retryAfterMs).toBe(5000);
    expect(error.message).toMatch(/every provider failed: sendgrid: .*429.*; mailgun: .*429/);
  });

  it('declares what every link can do', () => {
    const smtp = createSmtpEmail({ host: '127.0.0.1' });
    const email = createFailoverEmail({ providers: [chain('caps').primary, smtp] });
    expect(email.capabilities).toEqual({
      delivers: true,
      attachments: true,
      inlineImages: true,
      customHeaders: true,
      tags: false,
    });
  });

  it('builds links from adapter ids and options, owns and closes them, and names bad options by path', async () => {
    const email = createFailoverEmail({
      providers: [
        { adapter: 'sendgrid', options: { apiKey: 'SG.built', baseUrl: sendgrid.url } },
        { adapter: 'outbox', options: {} },
      ],
    });
    expect(expectOk(await email.send(base)).provider).toBe('sendgrid');
    await email.close();
    let thrown: unknown;
    try {
      createFailoverEmail({
        providers: [{ adapter: 'outbox' }, { adapter: 'sendgrid', options: { baseUrl: sendgrid.url } } as never],
      });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(KeelOptionsError);
    expect((thrown as KeelOptionsError).issues.map((i) => i.path)).toEqual(['providers[1].options.apiKey']);
    expect(() => createFailoverEmail({ providers: [] })).toThrow(/providers: expected a list of at least one provider/);
    expect(() => createFailoverEmail({ providers: [{ adapter: 'pigeon' } as never] })).toThrow(
      /providers\[0\]\.adapter: expected one of 'sendgrid', 'mailgun', 'ses', 'smtp', 'outbox', got "pigeon"/,
    );
  });

  it('reports every bad link at once, each at its own path', () => {
    let thrown: unknown;
    try {
      createFailoverEmail({
        providers: [
          { adapter: 'sendgrid', options: { apiKey: '', timeoutMs: 0 } },
          { adapter: 'smtp', options: { host: 'h', user: 'u' } },
          42 as never,
          { instance: '' },
        ],
      });
    } catch (error) {
      thrown = error;
    }
    expect((thrown as KeelOptionsError).issues).toEqual([
      { path: 'providers[0].options.apiKey', problem: 'expected a non-empty string, got ""' },
      { path: 'providers[0].options.timeoutMs', problem: 'expected an integer from 1 to 2147483647, got 0' },
      { path: 'providers[1].options.password', problem: 'is required (user and password go together)' },
      { path: 'providers[2]', problem: 'expected an Email, { adapter, options } or { instance }, got 42' },
      { path: 'providers[3].instance', problem: 'expected a non-empty string, got ""' },
    ]);
  });

  it('takes email instances of the same config by name, and refuses names without the container', async () => {
    const keel = expectOk(
      await createKeel(
        {
          email: {
            main: { adapter: 'failover', options: { providers: [{ instance: 'dev' }] } },
            dev: { adapter: 'outbox' },
          },
        },
        { adapters: emailAdapters, env: false },
      ),
    );
    expect(expectOk(await keel.email('main').send(base)).provider).toBe('outbox');
    await keel.close();
    expect(() => createFailoverEmail({ providers: [{ instance: 'dev' }] })).toThrow(
      /providers\[0\]\.instance: an instance name only works inside createKeel; pass the email instance itself/,
    );
  });

  it('keeps idempotency across the chain: a duplicate after failover returns the failover receipt', async () => {
    const { email } = chain('idem');
    sendgrid.server.failNext({ status: 502 });
    const first = expectOk(await email.send({ ...base, idempotencyKey: 'order-5' }));
    const again = expectOk(await email.send({ ...base, idempotencyKey: 'order-5' }));
    expect(again).toEqual(first);
    expect(first.provider).toBe('mailgun');
    expect(mailgun.delivered('key-idem')).toHaveLength(1);
    expect(sendgrid.delivered('SG.idem')).toHaveLength(0);
  });
});
