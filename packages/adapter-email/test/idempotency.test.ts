import { createMemoryKv, memoryKvAdapter } from '@keel/adapter-kv-memory';
import { createKeel } from '@keel/core';
import { ManualClock, expectErr, expectOk } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createSendgridEmail, sendgridAdapter, type SendgridEmailOptions } from '../src/index.js';
import { startSendgridFake } from './support/sendgrid-fake.js';

const fake = await startSendgridFake({ delayMs: () => 20 });
afterAll(() => fake.close());

const base = { from: 'Shop <shop@example.com>', to: ['ada@example.com'], subject: 'Order confirmed', text: 'Thanks' };
const sentWith = (apiKey: string) => fake.accepted.filter((a) => a.apiKey === apiKey);

function setup(apiKey: string, extra: Partial<SendgridEmailOptions> = {}) {
  const clock = new ManualClock();
  const kv = createMemoryKv({ clock });
  const email = createSendgridEmail({
    apiKey,
    baseUrl: fake.url,
    clock,
    idempotency: { kv, windowMs: 60_000 },
    ...extra,
  });
  return { clock, kv, email };
}

describe('idempotency keys', () => {
  it('a sequential duplicate returns the first receipt and sends nothing', async () => {
    const { email, kv } = setup('SG.seq');
    const first = expectOk(await email.send({ ...base, idempotencyKey: 'order-1' }));
    const second = expectOk(await email.send({ ...base, idempotencyKey: 'order-1' }));
    expect(second).toEqual(first);
    expect(sentWith('SG.seq')).toHaveLength(1);
    expectOk(await email.send({ ...base, idempotencyKey: 'order-2' }));
    expectOk(await email.send(base));
    expectOk(await email.send(base));
    expect(sentWith('SG.seq')).toHaveLength(4);
    await Promise.all([email.close(), kv.close()]);
  });

  it('concurrent duplicates send once: the key is claimed with compare-and-swap', async () => {
    const { email, kv } = setup('SG.concurrent');
    const results = await Promise.all(
      Array.from({ length: 20 }, () => email.send({ ...base, idempotencyKey: 'order-9' })),
    );
    const receipts = results.map(expectOk);
    expect(sentWith('SG.concurrent')).toHaveLength(1);
    expect(new Set(receipts.map((r) => r.messageId)).size).toBe(1);
    await Promise.all([email.close(), kv.close()]);
  });

  it('instances sharing a kv (as processes would) send once between them', async () => {
    const clock = new ManualClock();
    const kv = createMemoryKv({ clock });
    const instances = Array.from({ length: 4 }, () =>
      createSendgridEmail({ apiKey: 'SG.shared', baseUrl: fake.url, clock, idempotency: { kv } }),
    );
    const results = await Promise.all(
      instances.flatMap((e) => [e.send({ ...base, idempotencyKey: 'x' }), e.send({ ...base, idempotencyKey: 'x' })]),
    );
    results.map(expectOk);
    expect(sentWith('SG.shared')).toHaveLength(1);
    await Promise.all([...instances.map((e) => e.close()), kv.close()]);
  });

  it('sends again once the window has passed', async () => {
    const { email, clock, kv } = setup('SG.window');
    const first = expectOk(await email.send({ ...base, idempotencyKey: 'digest-2026-11-22' }));
    clock.advance(59_999);
    expect(expectOk(await email.send({ ...base, idempotencyKey: 'digest-2026-11-22' }))).toEqual(first);
    clock.advance(2);
    const later = expectOk(await email.send({ ...base, idempotencyKey: 'digest-2026-11-22' }));
    expect(later.messageId).not.toBe(first.messageId);
    expect(sentWith('SG.window')).toHaveLength(2);
    await Promise.all([email.close(), kv.close()]);
  });

  it('a failed send releases its key so that a retry can send', async () => {
    const { email, kv } = setup('SG.release', { retry: false });
    fake.server.failNext({ status: 500 });
    expectErr(await email.send({ ...base, idempotencyKey: 'k' }), 'UNAVAILABLE');
    expectOk(await email.send({ ...base, idempotencyKey: 'k' }));
    expect(sentWith('SG.release')).toHaveLength(1);
    await Promise.all([email.close(), kv.close()]);
  });

  it('waits for a claim in progress, then reports UNAVAILABLE; a claim left by a crash expires', async () => {
    const { email, clock, kv } = setup('SG.crashed', { retry: false, idempotency: undefined });
    const crashed = createSendgridEmail({
      apiKey: 'SG.crashed',
      baseUrl: fake.url,
      clock,
      retry: false,
      idempotency: { kv, claimTtlMs: 30_000, waitMs: 100 },
    });
    // A process claimed the key and died before sending.
    expectOk(
      await kv.set('keel:email:idem:sendgrid:k', JSON.stringify({ state: 'pending', owner: 'dead' }), {
        ttlMs: 30_000,
      }),
    );
    const waiting = expectErr(await crashed.send({ ...base, idempotencyKey: 'k' }), 'UNAVAILABLE');
    expect(waiting.message).toContain('still in progress');
    expect(sentWith('SG.crashed')).toHaveLength(0);
    clock.advance(30_000);
    expectOk(await crashed.send({ ...base, idempotencyKey: 'k' }));
    expect(sentWith('SG.crashed')).toHaveLength(1);
    await Promise.all([email.close(), crashed.close(), kv.close()]);
  });

  it('finds the kv by instance name inside createKeel, and refuses a name without it', async () => {
    const keel = expectOk(
      await createKeel(
        {
          kv: { sessions: { adapter: 'memory' }, idem: { adapter: 'memory' } },
          email: {
            adapter: 'sendgrid',
            options: { apiKey: 'SG.context', baseUrl: fake.url, idempotency: { kv: 'idem' } },
          },
        },
        { adapters: [memoryKvAdapter, sendgridAdapter], env: false },
      ),
    );
    expectOk(await keel.email.send({ ...base, idempotencyKey: 'ctx' }));
    expect(expectOk(await keel.kv('idem').get('keel:email:idem:sendgrid:ctx'))).toContain('"state":"sent"');
    expect(expectOk(await keel.kv('sessions').get('keel:email:idem:sendgrid:ctx'))).toBeUndefined();
    await keel.close();
    expect(() => createSendgridEmail({ apiKey: 'SG.x', idempotency: { kv: 'default' } })).toThrow(
      /idempotency\.kv: an instance name only works inside createKeel/,
    );
  });

  it('can be switched off: every send goes out', async () => {
    const email = createSendgridEmail({ apiKey: 'SG.off', baseUrl: fake.url, idempotency: false });
    expectOk(await email.send({ ...base, idempotencyKey: 'same' }));
    expectOk(await email.send({ ...base, idempotencyKey: 'same' }));
    expect(sentWith('SG.off')).toHaveLength(2);
    await email.close();
  });
});
