import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryKvAdapter } from '@keel/adapter-kv-memory';
import { sqliteAdapter } from '@keel/adapter-sqlite';
import { createKeel, err, ok, type KeelConfig } from '@keel/core';
import { expectOk } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import * as emailPackage from '../src/index.js';
import { emailAdapters, emailOutboxService, emailOutboxToken, type OutboxEmail } from '../src/index.js';
import { startSendgridFake } from './support/sendgrid-fake.js';

const fake = await startSendgridFake();
const root = await mkdtemp(join(tmpdir(), 'keel-email-container-'));
afterAll(async () => {
  await fake.close();
  await rm(root, { recursive: true, force: true });
});

const adapters = [memoryKvAdapter, ...emailAdapters];
const message = { from: 'app@example.com', to: ['ada@example.com'], subject: 'Hi', text: 'Hello' };

/** The message of the KeelConfigError a config throws, or '' when it starts. */
async function configProblem(config: KeelConfig, registered = adapters): Promise<string> {
  try {
    const keel = await createKeel(config, { adapters: registered, env: false });
    if (keel.isOk()) await keel.value.close();
    return '';
  } catch (error) {
    return (error as Error).message;
  }
}

describe('the email adapters in createKeel', () => {
  it('start what a failover chain names first, whatever the config order, and keep idempotency in the kv named', async () => {
    const keel = expectOk(
      await createKeel(
        {
          email: {
            // Configured before the instance it names: the container starts `dev` first.
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
            dev: { adapter: 'outbox', options: { idempotency: { kv: 'default' } } },
          },
          kv: { adapter: 'memory' },
        },
        { adapters, env: false },
      ),
    );
    expect(keel.instances.map((i) => `${i.interface}.${i.name}`)).toEqual(['kv.default', 'email.dev', 'email.default']);
    const once = { ...message, idempotencyKey: 'welcome-1' };
    fake.server.failNext({ status: 503 });
    const first = expectOk(await keel.email.send(once));
    expect(first.provider).toBe('outbox');
    expect(expectOk(await keel.email.send(once))).toEqual(first);
    expect(expectOk(await keel.kv.get('keel:email:idem:failover:welcome-1'))).toContain('"state":"sent"');
    expect(expectOk(await keel.kv.get('keel:email:idem:outbox:welcome-1'))).toContain('"state":"sent"');
    expect((await keel.health()).map((h) => [h.name, h.adapter, h.ok])).toEqual([
      ['default', 'memory', true],
      ['dev', 'outbox', true],
      ['default', 'failover', true],
    ]);
    await keel.close();
  });

  it('give a link the chain builds the kv instance its options name', async () => {
    const keel = expectOk(
      await createKeel(
        {
          kv: { default: { adapter: 'memory' }, idem: { adapter: 'memory' } },
          email: {
            adapter: 'failover',
            options: {
              providers: [{ adapter: 'outbox', options: { idempotency: { kv: 'idem' } } }],
              idempotency: false,
            },
          },
        },
        { adapters, env: false },
      ),
    );
    expectOk(await keel.email.send({ ...message, idempotencyKey: 'k' }));
    expect(expectOk(await keel.kv('idem').get('keel:email:idem:outbox:k'))).toContain('"state":"sent"');
    expect(expectOk(await keel.kv.get('keel:email:idem:outbox:k'))).toBeUndefined();
    await keel.close();
  });

  it('report every mistake in provider options with its full path', async () => {
    const problem = await configProblem({
      email: {
        adapter: 'sendgrid',
        options: { apiKey: '', timeoutMs: 0, retry: { maxAttempt: 2 } as never, circuitBreaker: { resetAfterMs: -1 } },
      },
    });
    expect(problem).toContain('email.options.apiKey: expected a non-empty string, got ""');
    expect(problem).toContain('email.options.timeoutMs: expected an integer from 1 to 2147483647, got 0');
    expect(problem).toContain("email.options.retry.maxAttempt: is not an option; did you mean 'maxAttempts'?");
    expect(problem).toContain('email.options.circuitBreaker.resetAfterMs: expected an integer from 1');
  });

  it('name the option that names an instance which is not configured', async () => {
    const problem = await configProblem({
      kv: { adapter: 'memory' },
      email: {
        default: {
          adapter: 'failover',
          options: {
            providers: [{ instance: 'nope' }, { adapter: 'outbox', options: { idempotency: { kv: 'cache' } } }],
          },
        },
      },
    });
    expect(problem).toContain(
      "email.default.options.providers[0].instance: names the email instance 'nope', which is not configured",
    );
    expect(problem).toContain(
      "email.default.options.providers[1].options.idempotency.kv: names the kv instance 'cache', which is not configured",
    );
    expect(
      await configProblem({ email: { adapter: 'sendgrid', options: { apiKey: 'k', idempotency: { kv: 'default' } } } }),
    ).toMatch(/email: the email adapter 'sendgrid' needs a kv instance, and none is configured/);
    expect(
      await configProblem({ email: { adapter: 'failover', options: { providers: [{ instance: 'default' }] } } }),
    ).toContain('an instance cannot be built on itself');
  });

  it('are named in core\'s "install and register" message by the names this package exports', async () => {
    for (const adapter of emailAdapters) {
      const problem = await configProblem({ email: { adapter: adapter.id } as never }, []);
      const exported = /import \{ (\w+) \} from '@keel\/adapter-email'/.exec(problem)?.[1];
      expect(exported, problem).toBeDefined();
      expect(new Map(Object.entries(emailPackage)).get(exported as string)).toBe(adapter);
    }
    expect(emailAdapters.map((a) => a.id)).toEqual(['sendgrid', 'mailgun', 'ses', 'smtp', 'outbox', 'failover']);
  });
});

describe('emailOutboxService', () => {
  it('runs the transactional outbox on the sql and email instances it names, and stops at close', async () => {
    const errors: Error[] = [];
    const keel = expectOk(
      await createKeel(
        {
          sql: {
            main: { adapter: 'sqlite', options: { filename: ':memory:' } },
            orders: { adapter: 'sqlite', options: { filename: join(root, 'orders.sqlite') } },
          },
          email: { adapter: 'outbox' },
        },
        {
          adapters: [sqliteAdapter, ...emailAdapters],
          services: [emailOutboxService({ sql: 'orders', pollIntervalMs: 5, onError: (e) => errors.push(e) })],
          env: false,
        },
      ),
    );
    const outbox = keel.resolve(emailOutboxToken);
    expectOk(await outbox.migrate());
    const orders = keel.sql('orders');
    expectOk(await orders.executeScript('CREATE TABLE orders (id INTEGER PRIMARY KEY)'));
    expectOk(
      await orders.transaction(async (tx) => {
        const inserted = await tx.execute('INSERT INTO orders (id) VALUES (?)', [1]);
        if (inserted.isErr()) return err(inserted.error);
        const queued = await outbox.enqueue(tx, message);
        return queued.isErr() ? err(queued.error) : ok(queued.value);
      }),
    );
    // The table is in the named database, not in the default one.
    expect((await keel.sql.query('SELECT * FROM keel_email_outbox')).isErr()).toBe(true);
    outbox.start();
    outbox.wake();
    const dev = keel.email as unknown as OutboxEmail;
    while (dev.messages().length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(dev.messages()[0]?.message.subject).toBe('Hi');
    await keel.close();
    // Stopped before the database closed: a pass still running would now fail on the closed sql.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(errors).toEqual([]);
  });

  it('refuses an instance name outside createKeel, and a sql instance that is not configured inside it', async () => {
    expect(() =>
      emailPackage.createEmailOutbox({ sql: 'orders', email: emailPackage.createOutboxEmail() } as never),
    ).toThrow(/sql: an instance name only works inside createKeel/);
    await expect(
      createKeel(
        { email: { adapter: 'outbox' } },
        { adapters: emailAdapters, services: [emailOutboxService({ sql: 'orders' })], env: false },
      ),
    ).rejects.toThrow(/needs .*keel:sql#orders.*which nothing provides/);
  });
});
