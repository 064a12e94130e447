import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createArgon2Hasher, createLocalAuth, defaultArgon2Params } from '@keel/adapter-auth';
import { createLevelKv } from '@keel/adapter-kv-level';
import { createMemoryKv } from '@keel/adapter-kv-memory';
import { createSqliteSql } from '@keel/adapter-sqlite';
import type { Kv } from '@keel/core';
import { compare } from './harness.js';

/**
 * Auth: verifying a session against the one kv read it needs (the overhead is a SHA-256 of the
 * token, a JSON parse and a constant-time compare), a JWT access token beside them, and
 * argon2id at the default parameters — the cost every sign-in pays, by design.
 */
export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'keel-bench-auth-'));
  const sql = createSqliteSql({ filename: join(dir, 'auth.db') });
  try {
    for (const [name, kv] of [
      ['memory', createMemoryKv()],
      ['level', createLevelKv({ location: join(dir, 'level') })],
    ] as [string, Kv][]) {
      await verification(name, kv, sql);
      await kv.close();
    }
    await hashing();
  } finally {
    await sql.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function verification(name: string, kv: Kv, sql: ReturnType<typeof createSqliteSql>): Promise<void> {
  const auth = createLocalAuth({
    sql,
    kv,
    email: false,
    accessTokens: true,
    keyPrefix: `${name}:`,
    tablePrefix: `bench_${name}_`,
  });
  (await auth.register({ email: 'ada@example.com', password: 'a benchmark passphrase' }))._unsafeUnwrap();
  const session = (await auth.login({ email: 'ada@example.com', password: 'a benchmark passphrase' }))._unsafeUnwrap();
  const key = (await kv.scan({ prefix: `${name}:session:` }))._unsafeUnwrap().entries[0]?.key as string;
  const accessToken = session.tokens?.accessToken as string;
  await compare(`auth: session verification on ${name} kv`, [
    { name: `raw kv.get of the session record (${name})`, fn: async () => (await kv.get(key)).isOk() },
    { name: 'auth.verifySession', fn: async () => (await auth.verifySession(session.token)).isOk() },
    {
      name: 'auth.verifyAccessToken (EdDSA JWT, no kv)',
      fn: async () => (await auth.verifyAccessToken(accessToken)).isOk(),
    },
  ]);
  await auth.close();
}

async function hashing(): Promise<void> {
  const hasher = createArgon2Hasher();
  const stored = await hasher.hash('a benchmark passphrase');
  const p = defaultArgon2Params;
  const params = `m=${p.memoryCost} KiB, t=${p.timeCost}, p=${p.parallelism}`;
  await compare(
    `auth: argon2id at the default parameters (${params}), one at a time`,
    [
      { name: 'argon2id hash', fn: () => hasher.hash('a benchmark passphrase') },
      { name: 'argon2id verify', fn: () => hasher.verify(stored, 'a benchmark passphrase') },
      // Four at once: @node-rs/argon2 hashes on libuv's thread pool, so a server's cores add up.
      {
        name: 'argon2id hash, 4 in flight',
        fn: () => Promise.all([1, 2, 3, 4].map(() => hasher.hash('a benchmark passphrase'))),
        opsPerCall: 4,
      },
    ],
    { rounds: 5, roundMs: 1500 },
  );
}
