import { EmailError } from '@keel/core';
import { ManualClock, expectErr, expectOk } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../src/circuit-breaker.js';
import { createSendgridEmail } from '../src/index.js';
import { startSendgridFake } from './support/sendgrid-fake.js';

const unavailable = () => new EmailError({ code: 'UNAVAILABLE', message: 'down', adapter: 'p', op: 'send' });
const rejected = () => new EmailError({ code: 'REJECTED', message: 'no', adapter: 'p', op: 'send' });

describe('CircuitBreaker', () => {
  it('opens after consecutive retryable failures and then fails fast without calling', async () => {
    const clock = new ManualClock(0);
    const breaker = new CircuitBreaker('p', { failureThreshold: 3, resetAfterMs: 1000 }, clock);
    let calls = 0;
    const failing = async () => {
      calls++;
      throw unavailable();
    };
    for (let i = 0; i < 3; i++) await expect(breaker.call(failing)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(breaker.state).toBe('open');
    clock.advance(400);
    await expect(breaker.call(failing)).rejects.toMatchObject({ code: 'UNAVAILABLE', retryAfterMs: 600 });
    expect(calls).toBe(3);
  });

  it('lets one trial through when half-open: success closes, failure opens again', async () => {
    const clock = new ManualClock(0);
    const breaker = new CircuitBreaker('p', { failureThreshold: 1, resetAfterMs: 1000 }, clock);
    await breaker.call(async () => Promise.reject(unavailable())).catch(() => {});
    clock.advance(1000);
    expect(breaker.state).toBe('half-open');
    await expect(breaker.call(async () => Promise.reject(unavailable()))).rejects.toBeDefined();
    expect(breaker.state).toBe('open');
    clock.advance(1000);
    let release!: () => void;
    const trial = breaker.call(() => new Promise<string>((resolve) => (release = () => resolve('ok'))));
    // A second caller while the trial is out is refused, not let through.
    await expect(breaker.call(async () => 'second')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    release();
    await expect(trial).resolves.toBe('ok');
    expect(breaker.state).toBe('closed');
    await expect(breaker.call(async () => 'again')).resolves.toBe('again');
  });

  it('counts only retryable failures; an answer of any other kind resets the count', async () => {
    const clock = new ManualClock(0);
    const breaker = new CircuitBreaker('p', { failureThreshold: 2, resetAfterMs: 1000 }, clock);
    for (let i = 0; i < 5; i++) {
      await breaker.call(async () => Promise.reject(unavailable())).catch(() => {});
      await breaker.call(async () => Promise.reject(rejected())).catch(() => {});
    }
    expect(breaker.state).toBe('closed');
  });
});

const fake = await startSendgridFake();
afterAll(() => fake.close());

describe('a provider behind its circuit breaker', () => {
  it('stops calling a failing provider, reports unhealthy, and recovers after resetAfterMs', async () => {
    const clock = new ManualClock();
    const email = createSendgridEmail({
      apiKey: 'SG.breaker',
      baseUrl: fake.url,
      clock,
      retry: false,
      circuitBreaker: { failureThreshold: 2, resetAfterMs: 5000 },
    });
    const base = { from: 'a@example.com', to: ['b@example.com'], subject: 's', text: 't' };
    fake.server.failNext({ status: 503 }, { status: 503 });
    expectErr(await email.send(base), 'UNAVAILABLE');
    expectErr(await email.send(base), 'UNAVAILABLE');
    const requests = fake.server.requests.length;
    expect(expectErr(await email.send(base), 'UNAVAILABLE').message).toContain('circuit open');
    expect(fake.server.requests.length).toBe(requests);
    expect((await email.health()).ok).toBe(false);
    clock.advance(5000);
    expectOk(await email.send(base));
    expect(fake.server.requests.length).toBe(requests + 1);
    expect((await email.health()).detail).toMatchObject({ circuit: 'closed' });
    await email.close();
  });
});
