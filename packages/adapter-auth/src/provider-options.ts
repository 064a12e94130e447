import { boolean, option, readonlyArray } from '@keel/core/adapter';
import { text } from '@keel/core/adapter';
import * as v from 'valibot';
import type { CrossProblem } from './schema-helpers.js';

// What every kind of sign-in provider (OpenID, GitHub) declares the same way.

/** A list of names (scopes, roles, algorithms). */
export const names = (what: string) => readonlyArray(text(), `expected an array of ${what}`);

/** How a provider's users become local accounts: shared by every provider kind (OIDC, GitHub). */
export const accountLinking = {
  createUsers: option(boolean(), {
    default: true,
    description: 'Create a local account for a new email. Off: only existing (linked or linkable) accounts sign in.',
  }),
  linkVerifiedEmail: option(boolean(), {
    default: false,
    description:
      'Link a first sign-in to the existing local account with its email when this provider says the email ' +
      'is verified (OIDC `email_verified: true`; GitHub: its primary email is `verified`). Turn it on only for a provider whose `email_verified` you trust ' +
      'as much as your own verification email: whoever can make it claim an address (a multi-tenant issuer, ' +
      "the tenant's administrators, a connection that passes on another identity provider's claim) would " +
      "take over that address's account here. Off, such a sign-in is refused (`ACCESS_DENIED`); " +
      '`okta()`, `auth0()`, `google()` and `github()` leave it off too.',
  }),
  defaultRoles: option(names('role names'), {
    defaultText: "the adapter's `defaultRoles`",
    description: 'Roles of accounts created through this provider (each must be in `roles`).',
  }),
};

/** Plain `http://` to the provider: shared by every provider kind. */
export const allowInsecureRequests = option(
  v.pipe(
    boolean(),
    v.check(
      (on) => !(on && process.env.NODE_ENV === 'production'),
      'is for local tests only and refused when NODE_ENV is production',
    ),
  ),
  { default: false, description: 'Plain `http://` to the provider: for tests against a local issuer only.' },
);

/**
 * `expected an https:// URL` for each of `fields` of a provider, and for its `redirectUri`, unless
 * `insecure` (tests) or, for the callback, the URL is on this machine.
 */
export function httpsProblems<P extends { readonly redirectUri: string }>(
  p: P,
  fields: readonly (keyof P & string)[],
  insecure: boolean,
): CrossProblem[] {
  return ([...fields, 'redirectUri'] as const)
    .filter((field) => {
      const value = p[field as keyof P] as unknown as string;
      const url = URL.canParse(value) ? new URL(value) : undefined;
      if (!url) return true;
      // A callback on this machine is safe over http (the browser never leaves it).
      return url.protocol !== 'https:' && !(insecure || (field === 'redirectUri' && isLocal(url)));
    })
    .map((field) => ({ path: [field], problem: 'expected an https:// URL', value: p[field as keyof P] }));
}

function isLocal(url: URL): boolean {
  return (
    url.protocol === 'http:' &&
    (url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]')
  );
}
