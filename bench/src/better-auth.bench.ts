import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalAuth } from '@keel/adapter-auth';
import { createBetterAuth } from '@keel/adapter-auth-better-auth';
import { createMemoryKv } from '@keel/adapter-kv-memory';
import { createSqliteSql } from '@keel/adapter-sqlite';
import { compare } from './harness.js';

/**
 * Auth on better-auth beside `local`, on one SQLite file: checking a session (better-auth reads
 * its session and user rows through @keel/kysely; `local` reads one kv record), and signing in,
 * where each pays for its password hash (better-auth's scrypt, `local`'s argon2id).
 */
export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'keel-bench-better-auth-'));
  const sql = createSqliteSql({ filename: join(dir, 'auth.db') });
  const kv = createMemoryKv();
  const credentials = { email: 'ada@example.com', password: 'a benchmark passphrase' };
  const local = createLocalAuth({ sql, kv, email: false, tablePrefix: 'bench_local_' });
  const better = createBetterAuth({ sql, tablePrefix: 'bench_ba_' });
  try {
    for (const auth of [local, better]) (await auth.register(credentials))._unsafeUnwrap();
    const localSession = (await local.login(credentials))._unsafeUnwrap();
    const betterSession = (await better.login(credentials))._unsafeUnwrap();
    const row = 'SELECT * FROM "bench_ba_session" s JOIN "bench_ba_user" u ON u.id = s."userId" WHERE s.token = ?';
    await compare('auth: session check, better-auth vs local (SQLite file)', [
      {
        name: 'raw sql: the session and user rows by token',
        fn: async () => (await sql.query(row, [betterSession.token])).isOk(),
      },
      { name: 'better-auth verifySession', fn: async () => (await better.verifySession(betterSession.token)).isOk() },
      {
        name: 'local verifySession (memory kv)',
        fn: async () => (await local.verifySession(localSession.token)).isOk(),
      },
    ]);
    await compare(
      'auth: sign-in (login), better-auth (scrypt) vs local (argon2id, default parameters)',
      [
        { name: 'local login', fn: async () => (await local.login(credentials)).isOk() },
        { name: 'better-auth login', fn: async () => (await better.login(credentials)).isOk() },
      ],
      { rounds: 5, roundMs: 1500, checkEvery: 1 },
    );
  } finally {
    await Promise.all([local.close(), better.close()]);
    await kv.close();
    await sql.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
