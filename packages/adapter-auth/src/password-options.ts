import { fn, integer, option, type MaybePromise } from '@keel/core/adapter';
import * as v from 'valibot';
import { crossChecked } from './schema-helpers.js';

type PasswordCheck = (password: string, user: { readonly email: string }) => MaybePromise<readonly string[]>;

/** The `password` options: what `register`, `changePassword` and `completePasswordReset` accept. */
export const passwordPolicyOptions = crossChecked(
  v.strictObject({
    minLength: option(integer(1, 1024), {
      default: 12,
      description: 'The fewest Unicode code points a new password may have, after NFKC normalisation.',
    }),
    maxLength: option(integer(8, 4096), {
      default: 256,
      description: 'The most code points: long enough for passphrases, short enough to bound hashing.',
    }),
    check: option(fn<PasswordCheck>('a function (password, { email }) => reason codes'), {
      description:
        'Extra rules (a breached-password lookup, say): return reason codes, empty when the password is fine.',
    }),
  }),
  [['minLength'], ['maxLength']],
  ({ minLength, maxLength }) =>
    minLength > maxLength ? [{ path: ['minLength'], problem: 'is greater than maxLength', value: minLength }] : [],
);

/** What a new password must be (`password` in the adapter's options). */
export type PasswordPolicyOptions = v.InferInput<typeof passwordPolicyOptions>;
/** The policy with every default filled in. */
export type ResolvedPasswordPolicy = Readonly<v.InferOutput<typeof passwordPolicyOptions>>;

// argon2 takes 32-bit unsigned parameters.
const U32 = 2 ** 32 - 1;

/** argon2id parameters. The defaults are OWASP's first recommendation for argon2id. */
export const argon2Options = crossChecked(
  v.strictObject({
    memoryCost: option(integer(8, U32), { default: 19456, description: 'Memory per hash, in KiB (19 MiB).' }),
    timeCost: option(integer(1, U32), { default: 2, description: 'Passes over the memory.' }),
    parallelism: option(integer(1, 255), { default: 1, description: 'Lanes.' }),
  }),
  [['memoryCost'], ['parallelism']],
  ({ memoryCost, parallelism }) =>
    memoryCost < 8 * parallelism
      ? [{ path: ['memoryCost'], problem: 'is below 8 KiB per lane (parallelism)', value: memoryCost }]
      : [],
);

/** argon2id parameters (`argon2` in the adapter's options, or `createArgon2Hasher(params)`). */
export type Argon2Params = v.InferInput<typeof argon2Options>;
/** The parameters with every default filled in. */
export type ResolvedArgon2Params = Readonly<v.InferOutput<typeof argon2Options>>;
