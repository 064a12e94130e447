import type { Email, KeelObservability, Sql } from '@keel/core';
import { KeelOptionsError, fn, integer, maxTimerMs, option, withMethods } from '@keel/core/adapter';
import * as v from 'valibot';
import { instanceOr, nonBlank } from './option-builders.js';
import { reliabilityClock } from './reliability-options.js';

const schema = v.strictObject({
  sql: option(instanceOr<Sql>('a Sql instance', ['transaction', 'query', 'execute'], 'sql'), {
    defaultText: 'the default sql instance',
    description:
      'The database the business transactions run on; the outbox table lives there. A `Sql`, or in ' +
      '`emailOutboxService` the name of a sql instance.',
  }),
  email: option(instanceOr<Email>('an Email instance', ['send'], 'email'), {
    defaultText: 'the default email instance',
    description:
      'Where the dispatcher delivers (any provider, a failover chain, the dev outbox). An `Email`, or in ' +
      '`emailOutboxService` the name of an email instance.',
  }),
  table: option(
    v.pipe(v.string('expected a plain identifier'), v.regex(/^[A-Za-z_]\w{0,62}$/, 'expected a plain identifier')),
    {
      default: 'keel_email_outbox',
      description: 'The outbox table: letters, digits and `_`, at most 63.',
    },
  ),
  maxAttempts: option(integer(1, 1_000_000), {
    default: 10,
    description: 'Tries per message before it is dead-lettered (a dispatcher that died mid-try counts).',
  }),
  leaseMs: option(integer(1, maxTimerMs), {
    default: 60_000,
    description:
      'How long a dispatcher owns a message it claimed, in ms. A dispatcher that dies loses its claims when ' +
      "they expire and another one delivers them. Keep it above the longest `send` (the provider's timeout × " +
      'retries), or a slow send may be delivered twice.',
  }),
  batchSize: option(integer(1, 10_000), { default: 20, description: 'Messages claimed per pass.' }),
  concurrency: option(integer(1, 1000), { default: 4, description: 'Sends in flight per dispatcher.' }),
  pollIntervalMs: option(integer(1, maxTimerMs), {
    default: 1000,
    description: 'How often `start()` looks for due messages when the last pass found none, in ms.',
  }),
  retry: option(
    v.strictObject({
      initialDelayMs: option(integer(0, maxTimerMs), { default: 1000, description: 'The first backoff cap, in ms.' }),
      maxDelayMs: option(integer(0, maxTimerMs), {
        default: 3_600_000,
        description: 'The largest backoff cap, in ms.',
      }),
      multiplier: option(integer(1, 100), { default: 2, description: 'Growth of the cap per try.' }),
    }),
    {
      default: {},
      description:
        'Backoff between tries of a message: "equal jitter" under a cap growing from `initialDelayMs` by ' +
        "`multiplier` to `maxDelayMs`; a provider's `retryAfterMs` is honoured.",
    },
  ),
  // Function options have no schema default: valibot would call a function default to get the value.
  onError: option(fn<(error: Error) => void>(), {
    defaultText: 'ignore',
    description: 'Called with what a background pass could not do (a database error); the loop keeps going.',
  }),
  // The lease_owner column is VARCHAR(64), which PostgreSQL enforces.
  dispatcherId: option(v.pipe(nonBlank(), v.maxLength(64, 'expected at most 64 characters')), {
    defaultText: 'a random UUID',
    description: "Names this dispatcher's claims; at most 64 characters.",
  }),
  observability: option(
    withMethods<Pick<KeelObservability, 'span'>>('keel.observability or createObservability()', ['span']),
    {
      defaultText: "the app's `keel.observability` in `emailOutboxService`; otherwise none",
      description:
        'Where each delivery records its span (`email outbox deliver`), a child of the span that was active at ' +
        '`enqueue` (its trace context is stored with the message).',
    },
  ),
  clock: reliabilityClock,
  random: option(fn<() => number>(), {
    defaultText: 'Math.random',
    description: 'Jitter source in [0, 1).',
  }),
});

type Schema = typeof schema;
/** The schema's type, named so that declarations name it. */
export interface EmailOutboxOptionsSchema extends Schema {}
/**
 * The options of `createEmailOutbox` and `emailOutboxService`, declared once. `sql` and `email`
 * are instances, or (in `emailOutboxService`, inside `createKeel`) instance names.
 */
export const emailOutboxOptions: EmailOutboxOptionsSchema = schema;

type Input = v.InferInput<typeof emailOutboxOptions>;
type Output = v.InferOutput<typeof emailOutboxOptions>;

/** Options of `createEmailOutbox`: the instances themselves. */
export type EmailOutboxOptions = Omit<Input, 'sql' | 'email'> & { readonly sql: Sql; readonly email: Email };
/** Options of `emailOutboxService`: instances, names of instances, or nothing for the default ones. */
export type EmailOutboxServiceOptions = Input;
/** The options with every default filled in and the instances found. */
export type ResolvedEmailOutboxOptions = Omit<Output, 'sql' | 'email'> & { readonly sql: Sql; readonly email: Email };

/** Checked options whose `sql` and `email` must be the instances themselves (no container to find names). */
export function withInstancesGiven(o: Output, where: string): ResolvedEmailOutboxOptions {
  const problems = (['sql', 'email'] as const).flatMap((field) =>
    // An instance is an object or a callable accessor (`keel.sql`); a name is a string.
    o[field] !== undefined && typeof o[field] !== 'string'
      ? []
      : [
          {
            path: field,
            problem:
              o[field] === undefined
                ? `is required (${field === 'sql' ? 'a Sql' : 'an Email'} instance)`
                : 'an instance name only works inside createKeel (emailOutboxService); pass the instance itself',
          },
        ],
  );
  if (problems.length > 0) throw new KeelOptionsError(where, problems);
  return o as ResolvedEmailOutboxOptions;
}
