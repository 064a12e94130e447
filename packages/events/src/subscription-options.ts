import { boolean, fn, integer, maxTimerMs, oneOf, option, required } from '@keel/core/adapter';
import * as v from 'valibot';

const name = (max: number, what: string) =>
  v.pipe(
    v.string(`expected ${what}`),
    v.regex(/^[A-Za-z0-9._:-]+$/, `expected ${what}: letters, digits, '.', '_', '-' or ':'`),
    v.maxLength(max, `expected at most ${max} characters`),
  );

const schema = v.strictObject({
  group: required(
    name(200, 'a group name'),
    'The subscription group: its checkpoints, leases and dead letters. Every group gets every event; the consumers of one group (any process) share them.',
  ),
  partitions: option(integer(1, 1024), {
    default: 8,
    description:
      "How many parts the group's work is split into (by a hash of the aggregate id); at most this many consumers work at once. Fixed when the group is first used.",
  }),
  batchSize: option(integer(1, 10_000), {
    default: 100,
    description: 'Events read per partition per pass; a consumer killed mid-batch gets the rest of the batch again.',
  }),
  maxAttempts: option(integer(1, 1_000_000), {
    default: 10,
    description: 'Tries per event before it goes to the dead letters and the partition moves on.',
  }),
  retry: option(
    v.strictObject({
      initialDelayMs: option(integer(0, maxTimerMs), { default: 100, description: 'The first backoff cap, in ms.' }),
      maxDelayMs: option(integer(0, maxTimerMs), { default: 60_000, description: 'The largest backoff cap, in ms.' }),
      multiplier: option(integer(1, 100), { default: 2, description: 'Growth of the cap per try.' }),
    }),
    {
      default: {},
      description:
        'Backoff between tries of a failing event ("equal jitter" under a cap growing from `initialDelayMs` by `multiplier` to `maxDelayMs`). The partition waits meanwhile, so later events of its aggregates stay behind it.',
    },
  ),
  leaseMs: option(integer(50, maxTimerMs), {
    default: 30_000,
    description:
      'How long a consumer owns its partitions without renewing them (it renews every third of it). A consumer that dies loses them after this long and the others take them over.',
  }),
  pollIntervalMs: option(integer(1, maxTimerMs), {
    default: 500,
    description:
      'How often an idle partition looks for new events. Publishes in the same process (same `createEvents`) wake it at once.',
  }),
  transactional: option(boolean(), {
    default: false,
    description:
      "Run the handler inside a transaction with the checkpoint's update (the handler gets it as `context.tx`): what it writes there commits exactly once with the checkpoint.",
  }),
  startFrom: option(oneOf(['beginning', 'end']), {
    default: 'beginning',
    description: "Where a new group starts: the store's first event, or the events published after it was created.",
  }),
  consumerId: option(name(100, 'a consumer id'), {
    defaultText: 'a random UUID',
    description: "Names this consumer's leases; at most 100 characters.",
  }),
  onError: option(fn<(error: Error) => void>(), {
    defaultText: "the store's onError",
    description: 'Called with what a background pass could not do and with every failed try of a handler.',
  }),
});

type Schema = typeof schema;
/** The schema's type, named so that declarations name it. */
export interface SubscribeOptionsSchema extends Schema {}
/**
 * The options of `subscribe`, declared once.
 *
 * @example
 * const options: SubscribeOptions = { group: 'billing', partitions: 16, maxAttempts: 5 };
 */
export const subscribeOptions: SubscribeOptionsSchema = schema;
/** Options of `events.subscribe(pattern, handler, options)`. */
export type SubscribeOptions = v.InferInput<typeof subscribeOptions>;
/** Subscribe options with every default filled in. */
export type ResolvedSubscribeOptions = v.InferOutput<typeof subscribeOptions>;
