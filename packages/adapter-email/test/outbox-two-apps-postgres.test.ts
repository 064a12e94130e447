// Two apps (two createKeel instances, as two processes of one app would be) on one PostgreSQL
// database, each running the outbox service, which delivers over SMTP to one real SMTP server
// while both apps keep enqueueing: each mail arrives exactly once. Each app logs in to the
// server as its own user, so that the server tells which dispatcher sent what.
import { postgresAdapter } from '@keel/adapter-postgres';
import { createKeel, err, ok } from '@keel/core';
import { expectOk, testPostgres } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { emailAdapters, emailOutboxService, emailOutboxToken } from '../src/index.js';
import { smtpPasswordOf, startSmtpFake } from './support/smtp-fake.js';

const pg = await testPostgres();
const server = pg.server;
const MAILS = 60;

describe.skipIf(server === undefined)(
  `two outbox dispatchers on one PostgreSQL database${pg.skip ? ` — skipped: ${pg.skip}` : ''}`,
  () => {
    afterAll(() => server?.cleanup(), 60_000);

    it('send each queued mail exactly once, whichever app queued it', async () => {
      const smtp = await startSmtpFake('plain');
      const connectionString = await (server as NonNullable<typeof server>).database('outbox_two_apps');
      const app = (user: string) =>
        createKeel(
          {
            sql: { adapter: 'postgres', options: { connectionString, poolSize: 4 } },
            email: {
              adapter: 'smtp',
              options: { host: '127.0.0.1', port: smtp.port, security: 'none', user, password: smtpPasswordOf(user) },
            },
          },
          {
            adapters: [postgresAdapter, ...emailAdapters],
            services: [emailOutboxService({ batchSize: 3, concurrency: 2, pollIntervalMs: 5 })],
            env: false,
          },
        );
      const apps = [expectOk(await app('app-a')), expectOk(await app('app-b'))] as const;
      try {
        const outboxes = apps.map((keel) => keel.resolve(emailOutboxToken));
        // Both apps migrate at once, as two processes starting together would.
        for (const migrated of await Promise.all(outboxes.map((outbox) => outbox.migrate()))) expectOk(migrated);
        expectOk(await apps[0].sql.executeScript('CREATE TABLE orders (id INTEGER PRIMARY KEY)'));
        for (const outbox of outboxes) outbox.start();

        // Orders placed by both apps in turn, each mail in its order's transaction, while both dispatch.
        for (let id = 1; id <= MAILS; id++) {
          const keel = apps[id % 2] as (typeof apps)[number];
          const outbox = outboxes[id % 2] as (typeof outboxes)[number];
          expectOk(
            await keel.sql.transaction(async (tx) => {
              const inserted = await tx.execute('INSERT INTO orders (id) VALUES (?)', [id]);
              if (inserted.isErr()) return err(inserted.error);
              const queued = await outbox.enqueue(tx, {
                from: 'shop@example.com',
                to: [`customer${id}@example.com`],
                subject: `Order ${id}`,
                text: `Thanks for order ${id}`,
              });
              return queued.isErr() ? err(queued.error) : ok(queued.value);
            }),
          );
        }
        const outbox = outboxes[0] as (typeof outboxes)[number];
        const pending = async () => expectOk(await outbox.counts()).pending;
        for (let waited = 0; (await pending()) > 0 && waited < 20_000; waited += 10) {
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        expect(expectOk(await outbox.counts())).toEqual({ pending: 0, sent: MAILS, dead: 0 });
      } finally {
        // Stops both dispatchers, waiting for their passes in flight: nothing can arrive after this.
        await Promise.all(apps.map((keel) => keel.close()));
        await smtp.close();
      }

      const subjects = smtp.received.map((r) => r.parsed.subject).sort();
      const expected = Array.from({ length: MAILS }, (_, i) => `Order ${i + 1}`).sort();
      expect(subjects).toEqual(expected);
      // Both dispatchers took part: their claims raced on the same rows.
      expect(smtp.delivered('app-a').length).toBeGreaterThan(0);
      expect(smtp.delivered('app-b').length).toBeGreaterThan(0);
    }, 60_000);
  },
);
