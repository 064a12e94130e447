import { createKeel, defaultRegistry } from '@keel/core';
import { AdapterRegistry, type AdapterFactory } from '@keel/core/adapter';
import { expectOk } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import * as adapters from '../src/index.js';
import { startSendgridFake } from './support/sendgrid-fake.js';

const fake = await startSendgridFake();
afterAll(() => fake.close());

// The lead registers these in core's built-in registry; here the test registers them itself.
const ids = {
  sendgrid: 'createSendgridEmail',
  mailgun: 'createMailgunEmail',
  ses: 'createSesEmail',
  smtp: 'createSmtpEmail',
  outbox: 'createOutboxEmail',
  failover: 'createFailoverEmail',
} as const;
const registry = new AdapterRegistry([
  ...(['memory'] as const).map((id) => defaultRegistry.get('kv', id)).filter((r) => r !== undefined),
  ...Object.entries(ids).map(([id, name]) => ({
    interface: 'email' as const,
    id,
    load: async () => adapters[name] as unknown as AdapterFactory<'email'>,
  })),
]);

describe('the factories in the container', () => {
  it('build from config, with idempotency kept in the configured kv and a failover chain over named instances', async () => {
    const keel = expectOk(
      await createKeel(
        {
          kv: { adapter: 'memory' },
          email: {
            dev: { adapter: 'outbox', options: { idempotency: { kv: 'default' } } },
            default: {
              adapter: 'failover',
              options: {
                providers: [
                  { adapter: 'sendgrid', options: { apiKey: 'SG.container', baseUrl: fake.url, retry: false } },
                  { instance: 'dev' },
                ],
                idempotency: { kv: 'default' },
              },
            },
          },
        },
        { registry, env: false },
      ),
    );
    const message = {
      from: 'app@example.com',
      to: ['ada@example.com'],
      subject: 'Hi',
      text: 'Hello',
      idempotencyKey: 'welcome-1',
    };
    fake.server.failNext({ status: 503 });
    const first = expectOk(await keel.email.send(message));
    expect(first.provider).toBe('outbox');
    expect(expectOk(await keel.email.send(message))).toEqual(first);
    expect(expectOk(await keel.kv.get('keel:email:idem:failover:welcome-1'))).toContain('"state":"sent"');
    expect((await keel.health()).map((h) => [h.name, h.adapter, h.ok])).toEqual([
      ['default', 'memory', true],
      ['dev', 'outbox', true],
      ['default', 'failover', true],
    ]);
    await keel.close();
  });

  it('reports bad provider options with their full path', async () => {
    await expect(
      createKeel({ email: { adapter: 'sendgrid', options: { apiKey: '' } } }, { registry, env: false }),
    ).rejects.toThrow(/email\.options\.apiKey: must not be empty/);
  });
});
