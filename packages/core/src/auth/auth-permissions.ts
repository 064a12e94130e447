// Permissions are `:`-separated segments (`posts:read`, `billing:invoices:export`). In a
// pattern, a `*` segment matches any one segment, and a trailing `*` matches one or more:
// `posts:*` grants `posts:read` and `posts:comments:delete` but not `posts`; `*` grants everything.
const SEGMENT = /^(?:[A-Za-z0-9_.-]+|\*)$/;
const ROLE = /^[A-Za-z0-9_.-]{1,64}$/;
const MAX_PERMISSION_LENGTH = 256;

/** Why a permission or pattern is malformed, or `undefined`. */
export function permissionProblem(permission: string): string | undefined {
  if (permission.length === 0) return 'is empty';
  if (permission.length > MAX_PERMISSION_LENGTH) return `is longer than ${MAX_PERMISSION_LENGTH} characters`;
  if (!permission.split(':').every((s) => SEGMENT.test(s))) {
    return 'must be :-separated segments of letters, digits, _ . or -, each of which may be *';
  }
  return undefined;
}

/** Why a role name is malformed, or `undefined`: 1 to 64 letters, digits, `_`, `.` or `-`. */
export function roleProblem(role: string): string | undefined {
  return ROLE.test(role) ? undefined : 'must be 1 to 64 letters, digits, _ . or -';
}

/**
 * Whether `pattern` grants `permission`. A `*` in the asked permission is literal: only a
 * wildcard grants it, so `authorize(p, 'posts:*')` asks for every posts permission at once.
 *
 * @example
 * permissionMatches('posts:*', 'posts:comments:delete'); // true
 * permissionMatches('posts:*:read', 'posts:drafts:write'); // false
 */
export function permissionMatches(pattern: string, permission: string): boolean {
  if (pattern === '*' || pattern === permission) return true;
  const want = pattern.split(':');
  const have = permission.split(':');
  for (let i = 0; i < want.length; i++) {
    const segment = want[i] as string;
    const last = i === want.length - 1;
    if (segment === '*' && last) return have.length > i;
    if (i >= have.length) return false;
    if (segment !== '*' && segment !== have[i]) return false;
  }
  return want.length === have.length;
}

/** Whether any of `patterns` grants `permission`. */
export function hasPermission(patterns: readonly string[], permission: string): boolean {
  for (const pattern of patterns) if (permissionMatches(pattern, permission)) return true;
  return false;
}
