import type { KeelLogger, KeelObservability } from '@keel/core';
import { clockOption, fn, option, shaped, withMethods } from '@keel/core/adapter';
import * as v from 'valibot';
import type { EventTypeDefinition } from './event-types.js';
import type { WakeSource } from './wake-ups.js';

const typeDefinition = shaped<EventTypeDefinition>(
  'an event type ({ schema, version?, upcasters? })',
  (value) => typeof value === 'object' && value !== null && typeof (value as { schema?: unknown }).schema === 'object',
);

const schema = v.strictObject({
  table: option(
    v.pipe(
      v.string('expected a plain identifier'),
      v.regex(/^[A-Za-z_]\w{0,49}$/, 'expected a plain identifier of at most 50 characters'),
    ),
    {
      default: 'keel_events',
      description:
        'The events table; the others are named after it (`<table>_checkpoints`, `_consumers`, `_dead_letters`). Letters, digits and `_`, at most 50.',
    },
  ),
  types: option(v.record(v.string(), typeDefinition), {
    default: {},
    description:
      'Registered event types by name: `{ schema, version?, upcasters? }`. `schema` is any Standard Schema (valibot, zod, …) checked at publish; `upcasters[n]` turns version n into n + 1 on read.',
  }),
  strict: option(v.boolean('expected true or false'), {
    defaultText: 'true when types has entries',
    description: 'Refuse to publish a type that is not in `types` (`UNKNOWN_TYPE`).',
  }),
  notifications: option(v.boolean('expected true or false'), {
    default: true,
    description:
      'When the sql has the `notifications` capability (PostgreSQL): each publish notifies `<table>_wake` at ' +
      'commit and subscribers in every process look at once; polling stays as the safety net. `false`: poll only.',
  }),
  wakeSources: option(v.array(withMethods<WakeSource>('a wake source ({ listen, announce? })', ['listen'])), {
    default: [],
    description: 'More notifications that events were committed elsewhere (besides `sql.notifications`).',
  }),
  logger: option(withMethods<KeelLogger>('a logger (debug, info, warn, error, child)', ['warn', 'error', 'child']), {
    defaultText: "the app's keel.logger in eventsService; else silent",
    description: 'Where handler failures (warn), dead letters and background failures (error) are logged.',
  }),
  observability: option(
    withMethods<KeelObservability>('keel.observability or createObservability()', ['span', 'counter']),
    {
      defaultText: "the app's keel.observability in eventsService; else none",
      description:
        "While it records traces: a span per publish and per delivery, the delivery's a child of the publish's " +
        '(the trace context is stored with each event). Off, nothing is captured or allocated. With metrics on, ' +
        'the gauge `keel.events.lag` (by table and group), read when metrics are read.',
    },
  ),
  onError: option(fn<(error: Error) => void>(), {
    defaultText: 'ignore',
    description: "Called with what a subscriber's background pass could not do; the pass is tried again.",
  }),
  clock: clockOption('Where time comes from (occurredAt, leases, retries).'),
});

type Schema = typeof schema;
/** The schema's type, named so that declarations name it. */
export interface EventsOptionsSchema extends Schema {}
/**
 * The options of `createEvents` (and `eventsService`, with `sql`), declared once: the type, the
 * checks and the README's table come from it.
 *
 * @example
 * describeOptions(eventsOptions); // [{ name: 'table', default: "'keel_events'", … }, …]
 */
export const eventsOptions: EventsOptionsSchema = schema;
/** Options of `createEvents(sql, options)`. */
export type EventsOptions = v.InferInput<typeof eventsOptions>;
/** The options with every default filled in. */
export type ResolvedEventsOptions = v.InferOutput<typeof eventsOptions>;
