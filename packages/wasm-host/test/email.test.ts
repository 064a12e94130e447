import { createOutboxEmail } from '@keel/adapter-email';
import { expectErr, expectOk } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryExecutionLog, createWasmHost } from '../src/index.js';
import { collectingLogger, fixture, tempDir } from './support/fixtures.js';

const cache = tempDir();
afterAll(() => cache.remove());
const guest = fixture('email-guest');
// 100 + the case index of WIT `email.error`.
const INVALID_MESSAGE = 100;
const ACCESS_DENIED = 107;

describe('an email-sending guest (isolated: delivery is asynchronous)', () => {
  it('sends through the adapter, with core validating the message like any other', async () => {
    const email = createOutboxEmail();
    const log = createMemoryExecutionLog();
    const host = createWasmHost({ email }, { cacheDir: cache.dir, logger: {}, executionLog: log });
    const c = expectOk(await host.load(guest.bytes, { id: 'mailer', grants: { email: true } }));
    expect(expectOk(await c.call('welcome', 'guest@example.test', 'ada@example.test'))).toBe(0);
    const [sent] = email.messages();
    expect(sent?.message).toMatchObject({
      from: { email: 'guest@example.test' },
      to: [{ email: 'ada@example.test' }],
      subject: 'Welcome',
      text: 'hello from a component',
      cc: [],
      attachments: [],
    });
    expect(sent?.receipt.provider).toBe('outbox');
    // A header-injection attempt is core's INVALID_MESSAGE, handed to the guest as its error case.
    expect(expectOk(await c.call('welcome', 'guest@example.test', 'ada@example.test\r\nBcc: eve@example.test'))).toBe(
      INVALID_MESSAGE,
    );
    expect(email.messages()).toHaveLength(1);
    expect(log.records().map((r) => [r.outcome, r.hostCalls])).toEqual([
      ['ok', { email: 1 }],
      ['ok', { email: 1 }],
    ]);
    await host.close();
    await email.close();
  });

  it('a sender allow-list refuses any other sender with access-denied, logged', async () => {
    const email = createOutboxEmail();
    const logger = collectingLogger();
    const host = createWasmHost({ email }, { cacheDir: cache.dir, logger });
    const c = expectOk(
      await host.load(guest.bytes, { id: 'narrow', grants: { email: { from: ['No-Reply@app.example'] } } }),
    );
    expect(expectOk(await c.call('welcome', 'no-reply@app.example', 'ada@example.test'))).toBe(0);
    expect(expectOk(await c.call('welcome', 'ceo@app.example', 'ada@example.test'))).toBe(ACCESS_DENIED);
    expect(email.messages().map((m) => m.message.from.email)).toEqual(['no-reply@app.example']);
    const denial = logger.lines.find((l) => l.message === 'denied a host call');
    expect(denial?.fields).toMatchObject({ component: 'narrow', interface: 'email', function: 'send' });
    await host.close();
    await email.close();
  });

  it('without the grant every send is access-denied; in-thread, a grant is refused at load', async () => {
    const email = createOutboxEmail();
    const host = createWasmHost({ email }, { cacheDir: cache.dir, logger: {} });
    const c = expectOk(await host.load(guest.bytes, {}));
    expect(expectOk(await c.call('welcome', 'guest@example.test', 'ada@example.test'))).toBe(ACCESS_DENIED);
    expect(email.messages()).toHaveLength(0);
    const inThread = createWasmHost({ email }, { cacheDir: cache.dir, logger: {}, mode: 'in-thread' });
    expect(expectErr(await inThread.load(guest.bytes, { grants: { email: true } }), 'UNAVAILABLE').message).toContain(
      'use isolated mode',
    );
    expect(() =>
      createWasmHost({ email }, { logger: {} }).load(guest.bytes, { grants: { email: { from: 'me' } as never } }),
    ).toThrow(/grants\.email\.from/);
    await Promise.all([host.close(), inThread.close()]);
    await email.close();
  });
});
