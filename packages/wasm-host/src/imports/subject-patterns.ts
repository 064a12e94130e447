/**
 * Subject patterns of a messaging grant, in NATS style: dot-separated tokens, where `*` matches
 * exactly one token and `>` (last only) one or more. Matching is token by token, so `orders`
 * matches only `orders` (never `ordersX` or `orders.x`), `orders.*` matches `orders.created` but
 * not `orders.created.eu`, and `orders.>` matches both but not `orders` itself. Wildcards mean
 * something only in the grant's patterns: a guest's subject is covered only when every token is
 * a plain one (letters, digits, `_`, `-`), so `*`, `>`, an empty token or any other character
 * in it is never covered, whatever the grant.
 */
export type SubjectPattern = readonly string[];

const TOKEN = /^[A-Za-z0-9_-]+$/;

/** Why `pattern` is not a subject pattern, or `undefined` when it is one. */
export function subjectPatternProblem(pattern: string): string | undefined {
  const tokens = pattern.split('.');
  for (const [i, token] of tokens.entries()) {
    if (token === '>' && i !== tokens.length - 1) return `'>' may only be the last token (in '${pattern}')`;
    if (token !== '*' && token !== '>' && !TOKEN.test(token))
      return `'${pattern}' is not a subject pattern: use dot-separated tokens of ASCII letters, digits, '_' and '-', or '*' (one token) and a final '>' (one or more)`;
  }
  return undefined;
}

export function parseSubjectPattern(pattern: string): SubjectPattern {
  return Object.freeze(pattern.split('.'));
}

/** Whether `subject` is covered by `pattern`. */
export function subjectMatches(pattern: SubjectPattern, subject: string): boolean {
  const tokens = subject.split('.');
  if (!tokens.every((t) => TOKEN.test(t))) return false;
  for (let i = 0; i < pattern.length; i++) {
    const want = pattern[i];
    if (want === '>') return tokens.length > i;
    if (i >= tokens.length) return false;
    if (want !== '*' && want !== tokens[i]) return false;
  }
  return tokens.length === pattern.length;
}

/** Whether any of `patterns` covers `subject`. */
export function subjectAllowed(patterns: readonly SubjectPattern[], subject: string): boolean {
  return patterns.some((p) => subjectMatches(p, subject));
}
