import { createLocalAuth } from '@keel/adapter-auth';
import { createMemoryKv } from '@keel/adapter-kv-memory';
import { createSqliteSql } from '@keel/adapter-sqlite';
import { expectErr, expectOk } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryExecutionLog, createWasmHost } from '../src/index.js';
import { collectingLogger, fixture, tempDir } from './support/fixtures.js';

const cache = tempDir();
afterAll(() => cache.remove());
const guest = fixture('auth-guest');
// 100 + the case index of WIT `auth.error`.
const INVALID_TOKEN = 105;
const ACCESS_DENIED = 108;

async function localAuth() {
  const sql = createSqliteSql({ filename: ':memory:' });
  const kv = createMemoryKv();
  const auth = createLocalAuth({ sql, kv, email: false, roles: { editor: ['posts:*'] }, defaultRoles: ['editor'] });
  expectOk(await auth.register({ email: 'ada@example.test', password: 'plum orbit granite 42' }));
  const session = expectOk(
    await auth.login({ email: 'ada@example.test', password: 'plum orbit granite 42' }, { ip: '127.0.0.1' }),
  );
  return {
    auth,
    token: session.token,
    userId: session.principal.userId,
    close: async () => {
      await auth.close();
      await Promise.all([kv.close(), sql.close()]);
    },
  };
}

describe('a guest checking callers (isolated: auth answers asynchronously)', () => {
  it('verifies a session and authorizes against its roles, through the real adapter', async () => {
    const { auth, token, close } = await localAuth();
    const log = createMemoryExecutionLog();
    const host = createWasmHost({ auth }, { cacheDir: cache.dir, logger: {}, executionLog: log });
    const c = expectOk(await host.load(guest.bytes, { id: 'gate', grants: { auth: true } }));
    expect(expectOk(await c.call('check', token, 'posts:publish'))).toBe(0);
    expect(expectOk(await c.call('check', token, 'billing:read'))).toBe(ACCESS_DENIED);
    expect(expectOk(await c.call('check', 'not-a-session', 'posts:publish'))).toBe(INVALID_TOKEN);
    expect(log.records().map((r) => r.hostCalls)).toEqual([{ auth: 2 }, { auth: 2 }, { auth: 1 }]);
    await host.close();
    await close();
  });

  it('keeps accounts, logins and roles with the app: the rest of auth is access-denied, logged', async () => {
    const { auth, token, userId, close } = await localAuth();
    const logger = collectingLogger();
    const host = createWasmHost({ auth }, { cacheDir: cache.dir, logger });
    const c = expectOk(await host.load(guest.bytes, { id: 'rogue', grants: { auth: true } }));
    expect(expectOk(await c.call('kick', userId))).toBe(ACCESS_DENIED);
    expect(expectOk(await auth.verifySession(token)).userId).toBe(userId);
    expect(logger.lines.find((l) => l.message === 'denied a host call')?.fields).toMatchObject({
      component: 'rogue',
      interface: 'auth',
      function: 'logoutEverywhere',
    });
    // Not granted at all: even verification is refused; in-thread, a grant is refused at load.
    const ungranted = expectOk(await host.load(guest.bytes, {}));
    expect(expectOk(await ungranted.call('check', token, 'posts:publish'))).toBe(ACCESS_DENIED);
    const inThread = createWasmHost({ auth }, { cacheDir: cache.dir, logger: {}, mode: 'in-thread' });
    expect(expectErr(await inThread.load(guest.bytes, { grants: { auth: true } }), 'UNAVAILABLE').message).toContain(
      'use isolated mode',
    );
    await Promise.all([host.close(), inThread.close()]);
    await close();
  });
});
