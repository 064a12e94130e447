import type { OidcCallbackParams, OidcRedirect } from '@keel/core';
import { safeEqual, tokenHash } from './auth-crypto.js';
import { readCookie, serializeCookie, type CookieOptions } from './session-cookie.js';

/**
 * The callback parameter through which `oidcCallbackParams` hands the binding cookie's value to
 * `completeOidcLogin`. A value of it in the callback URL itself is ignored by `oidcCallbackParams`.
 */
export const oidcBindingParam = 'keel_binding';

/**
 * The cookie that ties a sign-in at a provider to the browser that started it: `__Host-keel-oidc`,
 * HttpOnly, Secure, Path=/, no Domain, and `SameSite=Lax`, which browsers send on the provider's
 * top-level redirect back (GET). With `response_mode=form_post` the provider POSTs back
 * cross-site, which only `SameSite=None` survives.
 */
export const oidcBindingCookieDefaults = Object.freeze({
  name: '__Host-keel-oidc',
  httpOnly: true,
  secure: true,
  sameSite: 'Lax',
  path: '/',
} as const);

/** How long the binding cookie lives unless told: the default `oidc.stateTtlMs`. */
const DEFAULT_TTL_MS = 10 * 60_000;

type CookieOverrides = Partial<CookieOptions> & { name?: string };

/**
 * The `Set-Cookie` value to send with the redirect to the provider: it carries the hash of the
 * redirect's `state`, and `completeOidcLogin` refuses a callback whose state it does not match.
 * Without it, whoever started a sign-in could hand their callback URL to someone else and sign
 * them into the attacker's account (login CSRF). One sign-in at a time per browser: a second
 * `beginOidcLogin` replaces the cookie.
 *
 * @example
 * const redirect = (await auth.beginOidcLogin('okta'))._unsafeUnwrap();
 * res.setHeader('Set-Cookie', oidcBindingCookie(redirect));
 * res.redirect(redirect.url);
 */
export function oidcBindingCookie(redirect: Pick<OidcRedirect, 'state'>, overrides: CookieOverrides = {}): string {
  const { name = oidcBindingCookieDefaults.name, ...rest } = overrides;
  return serializeCookie(name, oidcBinding(redirect.state), {
    ...oidcBindingCookieDefaults,
    expiresAt: Date.now() + DEFAULT_TTL_MS,
    ...rest,
  });
}

/** The `Set-Cookie` value that deletes the binding cookie (send it with the callback's answer). */
export function clearOidcBindingCookie(overrides: CookieOverrides = {}): string {
  const { name = oidcBindingCookieDefaults.name, ...rest } = overrides;
  return serializeCookie(name, '', { ...oidcBindingCookieDefaults, expiresAt: 0, ...rest });
}

/**
 * The parameters to pass to `completeOidcLogin`: the provider's (from the callback URL) and the
 * binding cookie's value from the request's `Cookie` header. A binding parameter in the URL is
 * dropped: only the cookie, which the site alone can set, counts.
 *
 * @example
 * const params = oidcCallbackParams(new URL(req.url, base).searchParams, req.headers.cookie);
 * const login = await auth.completeOidcLogin('okta', params, { ip: req.ip });
 */
export function oidcCallbackParams(
  query: OidcCallbackParams,
  cookieHeader: string | null | undefined,
  cookieName: string = oidcBindingCookieDefaults.name,
): Record<string, string> {
  const entries = query instanceof URLSearchParams ? [...query] : Object.entries(query);
  const params: Record<string, string> = {};
  for (const [key, value] of entries) if (key !== oidcBindingParam) params[key] = value;
  const binding = readCookie(cookieHeader, cookieName);
  if (binding) params[oidcBindingParam] = binding;
  return params;
}

/** The binding of a state: its SHA-256 (base64url), so the cookie does not repeat the state. */
export function oidcBinding(state: string): string {
  return tokenHash(`oidc-binding:${state}`);
}

/** Whether a callback's binding value belongs to its state (constant time). */
export function bindingMatches(binding: string | undefined, state: string): boolean {
  return binding !== undefined && safeEqual(binding, oidcBinding(state));
}
