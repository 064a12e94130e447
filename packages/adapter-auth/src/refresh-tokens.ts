import type { Clock, Kv } from '@keel/core';
import { isOpaqueToken, randomToken, tokenHash } from './auth-crypto.js';
import { AuthError } from '@keel/core';
import type { SessionRecord, SessionStore } from './session-store.js';
import { must, type KvKeys } from './store-results.js';
import { readRecord } from './kv-record.js';

interface RefreshRecord {
  readonly v: 1;
  /** The session is the token family: every refresh token of one sign-in names it. */
  readonly sid: string;
  readonly uid: string;
  readonly used: boolean;
}

export interface RefreshTokensOptions {
  readonly kv: Kv;
  readonly keys: KvKeys;
  readonly clock: Clock;
  readonly sessions: SessionStore;
}

// A spent token is kept as long as its session could live, so that its reuse is recognised.
const SPENT_GRACE_MS = 15 * 60_000;

export type RefreshTokens = ReturnType<typeof createRefreshTokens>;

/**
 * Single-use refresh tokens with reuse detection. Each is stored by its hash with a `used` flag;
 * `rotate` flips the flag with compare-and-swap and issues the next one. A token presented
 * after it was spent (or by two clients at once) means it was copied: the whole family — the
 * session and every token of it — is revoked.
 */
export function createRefreshTokens({ kv, keys, clock, sessions }: RefreshTokensOptions) {
  const ttl = (session: SessionRecord) => Math.max(1, session.ae - clock.now() + SPENT_GRACE_MS);

  async function issue(session: SessionRecord): Promise<{ token: string; expiresAt: number }> {
    const token = randomToken();
    const record: RefreshRecord = { v: 1, sid: session.sid, uid: session.uid, used: false };
    await must(
      kv.set(keys.refresh(tokenHash(token)), JSON.stringify(record), { ttlMs: ttl(session) }),
      'storing a refresh token',
    );
    return { token, expiresAt: session.ae };
  }

  return {
    issue,

    /** Spends a refresh token: the session it belongs to and the next token of the family. */
    async rotate(token: string): Promise<{ session: SessionRecord; next: { token: string; expiresAt: number } }> {
      if (!isOpaqueToken(token)) throw invalid('the refresh token is malformed');
      const key = keys.refresh(tokenHash(token));
      const raw = await must(kv.get(key), 'reading a refresh token');
      const record = refreshRecord(raw);
      if (!record) throw invalid('the refresh token does not exist or was revoked');
      const spent = JSON.stringify({ ...record, used: true } satisfies RefreshRecord);
      const won =
        !record.used &&
        (await must(
          kv.compareAndSwap(key, raw, spent, { ttlMs: (await remaining(key)) || SPENT_GRACE_MS }),
          'spending a refresh token',
        ));
      if (!won) {
        await sessions.revokeId(record.sid);
        throw invalid('the refresh token was already used: the session is revoked');
      }
      const session = await sessions.byId(record.sid);
      return { session, next: await issue(session) };
    },
  };

  /** The milliseconds a key has left (0 without expiry), to keep it when rewriting it. */
  async function remaining(key: string): Promise<number> {
    const expiry = await must(kv.ttl(key), 'reading a refresh token');
    return expiry?.kind === 'after-ms' ? expiry.ms : 0;
  }
}

function invalid(message: string): AuthError {
  return new AuthError({ code: 'INVALID_TOKEN', message });
}

const refreshRecord = (raw: unknown) => readRecord<RefreshRecord>(raw, (r) => typeof r.sid === 'string');
