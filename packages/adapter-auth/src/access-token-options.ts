import { boolean, integer, oneOf, option, shaped, text, readonlyArray } from '@keel/core/adapter';
import * as v from 'valibot';
import type { AccessTokenKey } from './access-tokens.js';

const MINUTE = 60_000;

const signingKey = shaped<AccessTokenKey>('{ kid, jwk } (see generateAccessTokenKey)', (value) => {
  const key = value as Partial<AccessTokenKey> | null;
  return typeof key?.kid === 'string' && typeof key.jwk === 'object' && key.jwk !== null;
});

/** The `accessTokens` options: JWT access tokens and rotating refresh tokens beside each session. */
export const accessTokenOptions = v.strictObject({
  algorithm: option(oneOf(['EdDSA', 'ES256']), {
    default: 'EdDSA',
    description: '`EdDSA` (Ed25519) or `ES256` (P-256).',
  }),
  keys: option(readonlyArray(signingKey, 'expected an array of { kid, jwk } (see generateAccessTokenKey)'), {
    defaultText: 'one key generated at start-up',
    description:
      'Signing keys, newest first: the first signs, all verify. To rotate, put a new key first and keep the old ' +
      'one until the tokens it signed have expired (one `ttlMs`). Without keys, tokens die with the process.',
  }),
  ttlMs: option(integer(10_000, 60 * MINUTE), {
    default: 5 * MINUTE,
    description: 'Lifetime of an access token, in ms.',
  }),
  issuer: option(text(), { default: 'keel', description: 'The `iss` claim.' }),
  audience: option(text(), { default: 'keel', description: 'The `aud` claim.' }),
  checkRevocation: option(boolean(), {
    default: false,
    description:
      'Also check on each `verifyAccessToken` that the session still exists (one kv read), so that a ' +
      'logout takes effect before the token expires.',
  }),
});

/** Options of JWT access tokens (`accessTokens` in the adapter's options). */
export type AccessTokenOptions = v.InferInput<typeof accessTokenOptions>;
/** Access-token options with every default filled in. */
export type ResolvedAccessTokenOptions = Readonly<v.InferOutput<typeof accessTokenOptions>>;

/**
 * `accessTokens`: `true` for the defaults, an object of options, or `false` (off). It resolves
 * to the options, or `undefined` when off. (Not a `v.union`: a union would hide the path of a
 * mistake inside the object, `accessTokens.algorithm`, behind one message for the whole value.)
 */
export const accessTokensOption = option(
  v.pipe(
    shaped<boolean | AccessTokenOptions>(
      'true, false or an object',
      (value) => typeof value === 'boolean' || (typeof value === 'object' && value !== null && !Array.isArray(value)),
    ),
    v.metadata({ type: 'boolean or object' }),
    v.transform((value: boolean | AccessTokenOptions): AccessTokenOptions | undefined =>
      value === true ? {} : value === false ? undefined : value,
    ),
    v.optional(accessTokenOptions),
  ),
  {
    default: false,
    description:
      'JWT access tokens and rotating refresh tokens beside each session: `true`, or ' +
      '`{ algorithm, keys, ttlMs, issuer, audience, checkRevocation }` (see _Access tokens_).',
  },
);
