import type { KvError, Result, ResultAsync, SqlError } from '@keel/core';
import { AuthError } from '@keel/core';

const UNAVAILABLE = new Set(['UNAVAILABLE', 'NOT_OPEN', 'CONNECTION', 'BUSY']);

/**
 * The value of a kv or sql result, or a throw the guard turns into an `Err`: `UNAVAILABLE` when
 * the store is down or closed (safe to retry), `INTERNAL` otherwise; the store's error is `cause`.
 */
export async function must<T, E extends KvError | SqlError>(
  pending: ResultAsync<T, E> | Promise<Result<T, E>>,
  what: string,
): Promise<T> {
  const result: Result<T, E> = await pending;
  if (result.isOk()) return result.value;
  const error = result.error;
  throw new AuthError({
    code: UNAVAILABLE.has(error.code) ? 'UNAVAILABLE' : 'INTERNAL',
    message: `${what}: ${error.message}`,
    cause: error,
  });
}

/** Whether a sql error is a unique or primary-key violation. */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as SqlError | undefined;
  return e?.code === 'CONSTRAINT_VIOLATION' && (e.constraint === 'unique' || e.constraint === 'primary-key');
}

/** The kv key names, under one prefix. Guessable parts (emails, IPs) appear only hashed. */
export function kvKeys(prefix: string) {
  return {
    session: (tokenHash: string) => `${prefix}session:${tokenHash}`,
    sessionId: (sessionId: string) => `${prefix}session-id:${sessionId}`,
    userSessions: (userId: string) => `${prefix}user-sessions:${userId}:`,
    refresh: (tokenHash: string) => `${prefix}refresh:${tokenHash}`,
    oidcState: (stateHash: string) => `${prefix}oidc-state:${stateHash}`,
    failures: (bucket: string) => `${prefix}failures:${bucket}`,
    lock: (bucket: string) => `${prefix}lock:${bucket}`,
    requests: (action: string, bucket: string) => `${prefix}requests:${action}:${bucket}`,
  };
}

export type KvKeys = ReturnType<typeof kvKeys>;
