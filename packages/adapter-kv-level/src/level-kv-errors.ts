import { KvError } from '@keel/core';

/**
 * Why a LevelDB folder could not be opened, as `UNAVAILABLE` naming the folder. A lock held by
 * another process (or by another open store in this one) gets its own plain message.
 *
 * @example
 * try { await db.open(); } catch (thrown) { throw openFailure(location, thrown); }
 */
export function openFailure(location: string, thrown: unknown): KvError {
  const code = levelCode(thrown);
  let message: string;
  if (code === 'LEVEL_LOCKED') {
    message = `LevelDB folder '${location}' is locked by another process (or by another open store in this one)`;
  } else if (/does not exist \(create_if_missing is false\)|No such file or directory/.test(describe(thrown))) {
    message = `LevelDB folder '${location}' does not exist (createIfMissing is false)`;
  } else {
    message = `cannot open LevelDB folder '${location}': ${describe(thrown)}`;
  }
  return new KvError({ code: 'UNAVAILABLE', message, cause: thrown });
}

/** The folder holds something this version cannot read: another format, or not a Keel store. */
export function foreignStore(location: string, why: string): KvError {
  return new KvError({ code: 'UNAVAILABLE', message: `LevelDB folder '${location}' ${why}` });
}

/** A stored record that does not decode: reported, never guessed at. */
export function corruptRecord(key: string, why: string): KvError {
  return new KvError({ code: 'INTERNAL', message: `stored value of '${key}' cannot be read: ${why}`, key });
}

/**
 * A key, prefix or text that is not well-formed UTF-16 (a lone surrogate). LevelDB stores
 * UTF-8, where a lone surrogate becomes U+FFFD, so two different keys would share one entry.
 */
export function notUnicode(what: string, key?: string): KvError {
  return new KvError({
    code: 'INVALID_ARGUMENT',
    message: `${what} contains a lone surrogate and cannot be stored as UTF-8`,
    ...(key === undefined ? {} : { key }),
  });
}

export function typeMismatch(key: string, message: string): KvError {
  return new KvError({ code: 'TYPE_MISMATCH', message, key });
}

/** classic-level wraps the LevelDB error: the useful code is on `cause` (`LEVEL_LOCKED`). */
function levelCode(thrown: unknown): string | undefined {
  const cause = (thrown as { cause?: { code?: unknown } } | undefined)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : (thrown as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

function describe(thrown: unknown): string {
  const error = thrown as { message?: unknown; cause?: { message?: unknown } } | undefined;
  const cause = typeof error?.cause?.message === 'string' ? `: ${error.cause.message}` : '';
  return `${typeof error?.message === 'string' ? error.message : String(thrown)}${cause}`;
}
