import { integer, option } from '@keel/core/adapter';
import * as v from 'valibot';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** The `bruteForce` options: limits on failed sign-ins and on requests, counted in kv. */
export const bruteForceOptions = v.strictObject({
  maxFailuresPerAccount: option(integer(1, 1000), {
    default: 5,
    description:
      'Failed sign-ins per account before it locks (unknown emails count the same, so a lockout tells nothing).',
  }),
  maxFailuresPerIp: option(integer(1, 1_000_000), {
    default: 50,
    description: 'Failed sign-ins per IP (IPv6: per /64) before `RATE_LIMITED`.',
  }),
  windowMs: option(integer(1000, 366 * DAY), {
    default: 15 * MINUTE,
    description: 'Failures are forgotten this long after the last sign-in attempt (plus any lockout), in ms.',
  }),
  lockoutMs: option(integer(1000, 366 * DAY), {
    default: MINUTE,
    description: 'The first lockout, in ms; each further failure doubles it.',
  }),
  maxLockoutMs: option(integer(1000, 366 * DAY), { default: 60 * MINUTE, description: 'The longest lockout, in ms.' }),
  maxRequestsPerIp: option(integer(1, 1_000_000), {
    default: 20,
    description: 'Registrations and password-reset requests per IP per window.',
  }),
  maxEmailsPerAccount: option(integer(1, 1000), {
    default: 3,
    description: 'Password-reset and verification emails per address per window.',
  }),
});

/** Limits on failed sign-ins and on requests (`bruteForce` in the adapter's options). */
export type BruteForceOptions = v.InferInput<typeof bruteForceOptions>;
/** The limits with every default filled in. */
export type ResolvedBruteForceOptions = Readonly<v.InferOutput<typeof bruteForceOptions>>;

/**
 * The limits used for every `bruteForce` field left out (read from the schema, where they are declared).
 *
 * @example
 * createLocalAuth({ sql, kv, bruteForce: { maxFailuresPerAccount: defaultBruteForce.maxFailuresPerAccount * 2 } });
 */
export const defaultBruteForce: ResolvedBruteForceOptions = Object.freeze(v.parse(bruteForceOptions, {}));
