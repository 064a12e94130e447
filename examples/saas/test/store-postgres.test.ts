import { emailAdapters, createEmailOutbox } from '@keel/adapter-email';
import { postgresAdapter } from '@keel/adapter-postgres';
import { createKeel, createMigrator, type Keel } from '@keel/core';
import { testPostgres } from '@keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMailStore } from '../src/mail-store.js';
import { migrations } from '../src/migrations.js';
import { createStore, type Store } from '../src/store.js';

// The store's writes that must hold across processes, raced on PostgreSQL from two connection
// pools (what two processes have), without HTTP and password hashing in front to space them out.
const pg = await testPostgres();
const server = pg.server;
const configFor = (connectionString: string) =>
  ({ sql: { adapter: 'postgres', options: { connectionString } }, email: { adapter: 'outbox' } }) as const;
type StoreKeel = Keel<ReturnType<typeof configFor>>;

if (!server) {
  describe.skip(`saas store on PostgreSQL — skipped: ${pg.skip}`, () => it('runs', () => undefined));
} else {
  describe('saas store on PostgreSQL, two pools at once', () => {
    const keels: StoreKeel[] = [];
    let stores: Store[];

    beforeAll(async () => {
      const config = configFor(await server.database('saas_store'));
      for (let i = 0; i < 2; i++) {
        const started = await createKeel(config, { env: false, adapters: [postgresAdapter, ...emailAdapters] });
        keels.push(started._unsafeUnwrap());
      }
      const [first] = keels as [StoreKeel];
      (await createMigrator(first.sql, { migrations, scope: 'saas' }).up())._unsafeUnwrap();
      stores = keels.map((keel) => {
        const outbox = createEmailOutbox({ sql: keel.sql, email: keel.email });
        return createStore(keel.sql, createMailStore(keel.sql, outbox));
      });
      (await createEmailOutbox({ sql: first.sql, email: first.email }).migrate())._unsafeUnwrap();
    });
    afterAll(async () => {
      for (const keel of keels) await keel.close();
      await server.cleanup();
    });

    it('lets one of two first sign-ins at once create the workspace', async () => {
      for (let user = 0; user < 10; user++) {
        const userId = `user-${user}`;
        const welcome = { from: 'app@example.test', to: ['u@example.test'], subject: 'Welcome', text: 'Hi' };
        const created = await Promise.all(stores.map((s, i) => s.createFirstWorkspace(userId, `W${i}`, welcome)));
        expect(created.filter((w) => w !== undefined)).toHaveLength(1);
        expect(await (stores[0] as Store).workspacesOf(userId)).toHaveLength(1);
      }
    });
  });
}
