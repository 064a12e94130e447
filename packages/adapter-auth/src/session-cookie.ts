/** Attributes of a `Set-Cookie` header. */
export interface CookieOptions {
  /** @default true */
  readonly httpOnly: boolean;
  /** @default true (browsers treat http://localhost as secure, so development works too) */
  readonly secure: boolean;
  /** `Lax` keeps the session on top-level links from other sites and off their forms and fetches. @default 'Lax' */
  readonly sameSite: 'Strict' | 'Lax' | 'None';
  /** @default '/' */
  readonly path: string;
  /** Leave unset: a `__Host-` cookie may not have one, and then no subdomain sees it. */
  readonly domain?: string;
  /** Milliseconds since the epoch; unset makes a browser-session cookie. */
  readonly expiresAt?: number;
}

/**
 * The recommended session cookie: `__Host-session`, HttpOnly (no script can read it), Secure,
 * SameSite=Lax, Path=/, no Domain (the `__Host-` prefix makes browsers enforce the last three).
 */
export const sessionCookieDefaults = Object.freeze({
  name: '__Host-session',
  httpOnly: true,
  secure: true,
  sameSite: 'Lax',
  path: '/',
} as const);

/**
 * The `Set-Cookie` value that stores a session token until the session's absolute expiry.
 *
 * @example
 * res.setHeader('Set-Cookie', sessionCookie(session.token, session.expiresAt));
 */
export function sessionCookie(
  token: string,
  expiresAt: number,
  overrides: Partial<CookieOptions> & { name?: string } = {},
): string {
  const { name = sessionCookieDefaults.name, ...rest } = overrides;
  return serializeCookie(name, token, { ...sessionCookieDefaults, expiresAt, ...rest });
}

/** The `Set-Cookie` value that deletes the session cookie (on logout). */
export function clearSessionCookie(overrides: Partial<CookieOptions> & { name?: string } = {}): string {
  const { name = sessionCookieDefaults.name, ...rest } = overrides;
  return serializeCookie(name, '', { ...sessionCookieDefaults, expiresAt: 0, ...rest });
}

/**
 * One cookie's value from a `Cookie` request header (the first with that name), or `undefined`.
 * A value whose percent-encoding is malformed (`%E0%A4%A`) reads as `undefined` too: no cookie
 * this package sets looks like that, and whoever sends one gets "no session", never an exception.
 *
 * @example
 * const token = readCookie(req.headers.cookie, '__Host-session'); // string | undefined
 */
export function readCookie(header: string | null | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeValue(part.slice(eq + 1).trim());
  }
  return undefined;
}

export function serializeCookie(name: string, value: string, options: CookieOptions): string {
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name))
    throw new TypeError(`cookie name ${JSON.stringify(name)} is not a token`);
  if (name.startsWith('__Host-') && (!options.secure || options.path !== '/' || options.domain)) {
    throw new TypeError(`a __Host- cookie must be Secure with Path=/ and no Domain`);
  }
  if (options.sameSite === 'None' && !options.secure) throw new TypeError('SameSite=None needs Secure');
  const parts = [`${name}=${encodeURIComponent(value)}`, `Path=${options.path}`, `SameSite=${options.sameSite}`];
  if (options.expiresAt !== undefined) {
    parts.push(`Expires=${new Date(options.expiresAt).toUTCString()}`);
    parts.push(`Max-Age=${Math.max(0, Math.floor((options.expiresAt - Date.now()) / 1000))}`);
  }
  if (options.domain) parts.push(`Domain=${options.domain}`);
  if (options.httpOnly) parts.push('HttpOnly');
  if (options.secure) parts.push('Secure');
  return parts.join('; ');
}

function decodeValue(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}
