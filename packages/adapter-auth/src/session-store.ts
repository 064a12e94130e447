import type { Clock, Kv, KvEntry } from '@keel/core';
import { isOpaqueToken, randomId, randomToken, safeEqual, tokenHash } from './auth-crypto.js';
import { AuthError, type AuthRequestContext } from '@keel/core';
import { must, type KvKeys } from './store-results.js';
import { readRecord } from './kv-record.js';

/** What a session knows of its user: enough to answer `verifySession` from one kv read. */
export interface SessionSnapshot {
  readonly uid: string;
  readonly email: string;
  readonly ev: boolean;
  readonly roles: readonly string[];
  /** The OpenID provider the user signed in with, and its ID token (for the end-session URL). */
  readonly prov?: string;
  readonly idt?: string;
}

/** A session as stored in kv, under the hash of its token. */
export interface SessionRecord extends SessionSnapshot {
  readonly v: 1;
  readonly sid: string;
  /** The token's hash, compared again in constant time after the lookup. */
  readonly th: string;
  /** Created, last seen, absolute expiry (milliseconds since the epoch). */
  readonly ca: number;
  readonly ls: number;
  readonly ae: number;
  readonly ip?: string;
  readonly ua?: string;
}

export interface SessionStoreOptions {
  readonly kv: Kv;
  readonly keys: KvKeys;
  readonly clock: Clock;
  readonly idleTimeoutMs: number;
  readonly absoluteTimeoutMs: number;
}

/** How long an ended session's record stays, so that presenting it answers `EXPIRED` rather than `INVALID_TOKEN`. */
const EXPIRED_GRACE_MS = 15 * 60_000;
const SCAN_PAGE = 200;

export type SessionStore = ReturnType<typeof createSessionStore>;

/**
 * Sessions in kv. The token is 256 random bits and only its SHA-256 is stored: the record sits
 * at `session:<hash>` with an expiry that follows idle use, and two index keys (`session-id:<id>`
 * and `user-sessions:<user>:<id>`) let one session be revoked by id and all of a user's at once.
 */
export function createSessionStore({ kv, keys, clock, idleTimeoutMs, absoluteTimeoutMs }: SessionStoreOptions) {
  // Writing `ls` on every verification would turn reads into writes; once per interval is enough.
  const touchIntervalMs = Math.max(1, Math.min(60_000, Math.floor(idleTimeoutMs / 10)));
  const idleExpiresAt = (r: SessionRecord) => Math.min(r.ls + idleTimeoutMs, r.ae);
  const recordTtl = (r: SessionRecord) => Math.max(1, idleExpiresAt(r) - clock.now() + EXPIRED_GRACE_MS);
  const indexTtl = (r: SessionRecord) => Math.max(1, r.ae - clock.now() + EXPIRED_GRACE_MS);
  /** Whether a stored record is a live session (records stay a while after they end, see EXPIRED_GRACE_MS). */
  const isLive = (raw: unknown) => {
    const record = sessionRecord(raw);
    const now = clock.now();
    return record !== undefined && now < record.ae && now < record.ls + idleTimeoutMs;
  };

  async function remove(sid: string, uid: string, th: string): Promise<void> {
    await must(
      kv.deleteMany([keys.session(th), keys.sessionId(sid), keys.userSessions(uid) + sid]),
      'deleting a session',
    );
  }

  /** The live record under a token hash, or why not. Deletes what has ended. */
  async function load(th: string): Promise<{ record: SessionRecord; raw: string }> {
    const raw = await must(kv.get(keys.session(th)), 'reading a session');
    const record = sessionRecord(raw);
    if (!record || !safeEqual(record.th, th)) throw invalid('the session does not exist or was revoked');
    const now = clock.now();
    if (now >= record.ae || now >= record.ls + idleTimeoutMs) {
      await remove(record.sid, record.uid, th);
      throw new AuthError({
        code: 'EXPIRED',
        message: now >= record.ae ? 'the session has expired' : 'the session expired after inactivity',
      });
    }
    return { record, raw: raw as string };
  }

  return {
    idleExpiresAt,

    async create(
      snapshot: SessionSnapshot,
      context: AuthRequestContext,
    ): Promise<{ token: string; record: SessionRecord }> {
      const token = randomToken();
      const now = clock.now();
      const record: SessionRecord = {
        v: 1,
        sid: randomId(),
        th: tokenHash(token),
        ...snapshot,
        ca: now,
        ls: now,
        ae: now + absoluteTimeoutMs,
        ...(context.ip ? { ip: context.ip } : {}),
        ...(context.userAgent ? { ua: context.userAgent } : {}),
      };
      // The index first: a session that exists can always be found by `revokeAll`.
      const index: KvEntry[] = [
        { key: keys.sessionId(record.sid), value: `${record.uid} ${record.th}` },
        { key: keys.userSessions(record.uid) + record.sid, value: record.th },
      ];
      await must(kv.setMany(index, { ttlMs: indexTtl(record) }), 'storing a session');
      await must(
        kv.set(keys.session(record.th), JSON.stringify(record), { ttlMs: recordTtl(record) }),
        'storing a session',
      );
      // A `revokeAll` between the two writes (a password reset, a sign-out everywhere) found the
      // index and deleted it, but not the record, written after: the session would live on where
      // no later `revokeAll` finds it. The index still there means no revocation came between.
      if ((await must(kv.get(keys.sessionId(record.sid)), 'storing a session')) === undefined) {
        await must(kv.delete(keys.session(record.th)), 'storing a session');
        throw new AuthError({
          code: 'INVALID_CREDENTIALS',
          message:
            "the user's sessions were revoked while this one was being created (a password reset or a sign-out everywhere): sign in again",
        });
      }
      return { token, record };
    },

    /** The session of a token, its idle expiry pushed later; `INVALID_TOKEN` or `EXPIRED` otherwise. */
    async verify(token: string): Promise<SessionRecord> {
      if (!isOpaqueToken(token)) throw invalid('the session token is malformed');
      const th = tokenHash(token);
      const { record, raw } = await load(th);
      return (await touch(th, record, raw)) ?? record;
    },

    /** The live session with this id, for refresh tokens. */
    async byId(sid: string): Promise<SessionRecord> {
      const pointer = await must(kv.get(keys.sessionId(sid)), 'reading a session');
      const th = typeof pointer === 'string' ? pointer.split(' ')[1] : undefined;
      if (!th) throw invalid('the session does not exist or was revoked');
      const { record, raw } = await load(th);
      return (await touch(th, record, raw)) ?? record;
    },

    /** Ends the session of a token; the record it had, if any. */
    async revokeToken(token: string): Promise<SessionRecord | undefined> {
      if (!isOpaqueToken(token)) return undefined;
      const th = tokenHash(token);
      const raw = await must(kv.get(keys.session(th)), 'reading a session');
      const record = sessionRecord(raw);
      if (!record) return undefined;
      await remove(record.sid, record.uid, th);
      return record;
    },

    /** Ends a session by id; whether it was live. */
    async revokeId(sid: string): Promise<boolean> {
      const pointer = await must(kv.get(keys.sessionId(sid)), 'reading a session');
      if (typeof pointer !== 'string') return false;
      const [uid, th] = pointer.split(' ') as [string, string];
      const live = isLive(await must(kv.get(keys.session(th)), 'reading a session'));
      await remove(sid, uid, th);
      return live;
    },

    /** Ends every session of a user; how many were live. */
    async revokeAll(uid: string): Promise<number> {
      let revoked = 0;
      for await (const page of userSessionPages(uid)) {
        const sessionKeys = page.map((e) => keys.session(e.value as string));
        revoked += (await must(kv.getMany(sessionKeys), 'revoking sessions')).filter(isLive).length;
        const indexKeys = page.flatMap((e) => [e.key, keys.sessionId(e.key.slice(keys.userSessions(uid).length))]);
        await must(kv.deleteMany([...sessionKeys, ...indexKeys]), 'revoking sessions');
      }
      return revoked;
    },

    /** Rewrites the snapshot of every live session of a user (an email just verified); tokens stay the same. */
    async updateAll(uid: string, patch: Partial<Pick<SessionSnapshot, 'ev' | 'email'>>): Promise<void> {
      for await (const page of userSessionPages(uid)) {
        for (const entry of page) {
          const key = keys.session(entry.value as string);
          const raw = await must(kv.get(key), 'reading a session');
          const record = sessionRecord(raw);
          if (!record) continue;
          const next = { ...record, ...patch };
          // Compare-and-swap: a session revoked meanwhile is not brought back.
          await must(
            kv.compareAndSwap(key, raw, JSON.stringify(next), { ttlMs: recordTtl(next) }),
            'updating a session',
          );
        }
      }
    },
  };

  async function touch(th: string, record: SessionRecord, raw: string): Promise<SessionRecord | undefined> {
    const now = clock.now();
    if (now - record.ls < touchIntervalMs) return undefined;
    const next: SessionRecord = { ...record, ls: now };
    // Compare-and-swap, so that a revocation racing with this read is never undone.
    const swapped = await must(
      kv.compareAndSwap(keys.session(th), raw, JSON.stringify(next), { ttlMs: recordTtl(next) }),
      'touching a session',
    );
    return swapped ? next : undefined;
  }

  async function* userSessionPages(uid: string): AsyncGenerator<readonly KvEntry[]> {
    let cursor: string | undefined;
    do {
      const page = await must(
        kv.scan({ prefix: keys.userSessions(uid), limit: SCAN_PAGE, ...(cursor ? { cursor } : {}) }),
        'listing sessions',
      );
      if (page.entries.length > 0) yield page.entries;
      cursor = page.cursor;
    } while (cursor);
  }
}

function invalid(message: string): AuthError {
  return new AuthError({ code: 'INVALID_TOKEN', message });
}

const sessionRecord = (raw: unknown) => readRecord<SessionRecord>(raw, (r) => typeof r.th === 'string');
