/**
 * Cursors are opaque to callers: a version tag and the last key returned, base64url-encoded.
 * The version lets the format change without misreading old cursors.
 */
const CURSOR_PREFIX = 'k1.';

export function encodeCursor(lastKey: string): string {
  return CURSOR_PREFIX + Buffer.from(lastKey, 'utf8').toString('base64url');
}

/** The last key of the previous page, or `undefined` when the cursor is not one of ours. */
export function decodeCursor(cursor: string): string | undefined {
  if (!cursor.startsWith(CURSOR_PREFIX)) return undefined;
  const body = cursor.slice(CURSOR_PREFIX.length);
  if (!/^[A-Za-z0-9_-]+$/.test(body)) return undefined;
  const key = Buffer.from(body, 'base64url').toString('utf8');
  return encodeCursor(key) === cursor ? key : undefined;
}
