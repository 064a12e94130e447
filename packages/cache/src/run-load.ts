import type { Result } from '@keel/core';
import { CacheError } from './cache-errors.js';

/** The value a loader gives: its own value, or the `Ok` value of the `Result` it returns. */
export type LoadedValue<R> = [Awaited<R>] extends [never]
  ? never
  : Awaited<R> extends Result<infer T, unknown>
    ? T
    : Awaited<R>;
/** The error a loader's `Result` can carry (`never` when it returns a plain value). */
export type LoadError<R> = [Awaited<R>] extends [never]
  ? never
  : Awaited<R> extends Result<unknown, infer E>
    ? E
    : never;

/** What running a loader came to: a value, or an error (its own `Err`, or `LOAD_FAILED`). */
export type LoadOutcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: unknown };

/**
 * Runs a loader that returns a value, a promise, a `Result` or a `ResultAsync`. Its `Err` passes
 * through untouched; a throw or rejection becomes `LOAD_FAILED` with what was thrown as `cause`.
 */
export async function runLoad(key: string, load: () => unknown): Promise<LoadOutcome> {
  try {
    const out = await load();
    if (!isResult(out)) return { ok: true, value: out };
    return out.isOk() ? { ok: true, value: out.value } : { ok: false, error: out.error };
  } catch (thrown) {
    const message = thrown instanceof Error ? thrown.message : String(thrown);
    return {
      ok: false,
      error: new CacheError({
        code: 'LOAD_FAILED',
        message: `loading '${key}' failed: ${message}`,
        op: 'getOrSet',
        key,
        cause: thrown,
      }),
    };
  }
}

// Duck-typed rather than `instanceof`, so that a Result from another copy of neverthrow counts too.
function isResult(value: unknown): value is Result<unknown, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const r = value as { isOk?: unknown; isErr?: unknown };
  return typeof r.isOk === 'function' && typeof r.isErr === 'function' && ('value' in value || 'error' in value);
}
