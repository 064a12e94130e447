// The subjects a connection may read: concrete subjects asked for by the browser, each matched
// against the patterns the app granted. Patterns use NATS's wildcards (`*` one token, `>` one or
// more trailing tokens); what the browser asks for never has a wildcard, since a consumer of the
// messaging contract reads exactly one subject.

const SUBJECT = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const TOKEN = /^[A-Za-z0-9_-]+$/;
const MAX_SUBJECT_BYTES = 255;

/** `true` for a subject the messaging contract accepts: dot-separated tokens, no wildcards, ≤ 255 bytes. */
export function isSubject(value: string): boolean {
  return value.length > 0 && value.length <= MAX_SUBJECT_BYTES && SUBJECT.test(value);
}

/**
 * Checks a grant's pattern once, when the app returns it: a bad pattern is the app's mistake.
 *
 * @example
 * assertPattern('workspace.42.>'); // ok; 'workspace..>' throws
 */
export function assertPattern(pattern: string): void {
  const tokens = typeof pattern === 'string' ? pattern.split('.') : [];
  const ok =
    tokens.length > 0 && tokens.every((t, i) => TOKEN.test(t) || t === '*' || (t === '>' && i === tokens.length - 1));
  if (!ok)
    throw new TypeError(
      `realtime: ${JSON.stringify(pattern)} is not a subject pattern: use dot-separated tokens, '*' for one token, a final '>' for the rest`,
    );
}

/**
 * `true` when `subject` (concrete) matches `pattern`.
 *
 * @example
 * matchesPattern('workspace.7.tasks', 'workspace.7.>'); // true
 * matchesPattern('workspace.70.tasks', 'workspace.7.>'); // false
 */
export function matchesPattern(subject: string, pattern: string): boolean {
  const want = pattern.split('.');
  const have = subject.split('.');
  for (let i = 0; i < want.length; i++) {
    const token = want[i];
    if (token === '>') return have.length > i;
    if (i >= have.length) return false;
    if (token !== '*' && token !== have[i]) return false;
  }
  return want.length === have.length;
}
