import type { Email } from '@keel/core';
import { option, required, text, withMethods, type AdapterNeed } from '@keel/core/adapter';
import * as v from 'valibot';
import { mailgunOptions } from './mailgun-options.js';
import { outboxOptions } from './outbox-options.js';
import { idempotencyOption, reliabilityClock } from './reliability-options.js';
import { idempotencyNeeds } from './reliability.js';
import { sendgridOptions } from './sendgrid-options.js';
import { sesOptions } from './ses-options.js';
import { smtpOptions } from './smtp-options.js';

/** Provider ids a failover chain can build itself, each with its own options schema. */
const memberSchemas = {
  sendgrid: sendgridOptions,
  mailgun: mailgunOptions,
  ses: sesOptions,
  smtp: smtpOptions,
  outbox: outboxOptions,
} as const;

/** Provider ids a failover chain can build itself. */
export type FailoverMemberAdapter = keyof typeof memberSchemas;

const memberIds = Object.keys(memberSchemas) as FailoverMemberAdapter[];

const member = <const A extends FailoverMemberAdapter>(adapter: A) =>
  v.strictObject({
    adapter: v.literal(adapter),
    options: option(memberSchemas[adapter] as (typeof memberSchemas)[A], {
      default: {},
      description: `The ${adapter} adapter's options.`,
    }),
  });

/** `{ adapter, options }`: a provider the chain builds (and closes), its options checked by that provider's schema. */
const builtMember = v.variant(
  'adapter',
  [member('sendgrid'), member('mailgun'), member('ses'), member('smtp'), member('outbox')],
  `expected one of ${memberIds.map((id) => `'${id}'`).join(', ')}`,
);
/** `{ instance }`: an email instance configured in the same config, by name. */
const instanceMember = v.strictObject({ instance: text() });
const emailMember = withMethods<Email>('an Email', ['send', 'close', 'health']);
const notAMember = v.custom<never>(() => false, 'expected an Email, { adapter, options } or { instance }');

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

// Picked by shape rather than a v.union, so that a mistake inside a member keeps its own path
// (`providers[1].options.apiKey`) instead of becoming one "expected …" for the whole member.
const providerSchema = v.pipe(
  v.lazy((input) =>
    !isObject(input)
      ? notAMember
      : typeof input.send === 'function'
        ? emailMember
        : 'instance' in input
          ? instanceMember
          : builtMember,
  ),
  v.metadata({ type: '(Email | { adapter, options } | { instance })' }),
);

const schema = v.strictObject({
  providers: required(
    v.pipe(
      v.array(providerSchema, 'expected a list of at least one provider'),
      v.minLength(1, 'expected a list of at least one provider'),
    ),
    'Providers in order of preference; the next is tried only after a retryable failure (`UNAVAILABLE`, ' +
      '`RATE_LIMITED`). A link is an `Email`, `{ adapter, options }` (one of ' +
      `${memberIds.join(', ')}, built and closed by the chain) or \`{ instance: 'name' }\` (an email instance ` +
      'of the same config).',
  ),
  idempotency: idempotencyOption('120000'),
  clock: reliabilityClock,
});

type Schema = typeof schema;
/** The schema's type, named so that declarations name it. */
export interface FailoverOptionsSchema extends Schema {}
/** The options of `createFailoverEmail` and the `failover` adapter, declared once. */
export const failoverOptions: FailoverOptionsSchema = schema;

/** Options of `createFailoverEmail`. */
export type FailoverEmailOptions = v.InferInput<typeof failoverOptions>;
/** The options with every default filled in. */
export type ResolvedFailoverOptions = v.InferOutput<typeof failoverOptions>;
/** One link of the chain. */
export type FailoverMember = FailoverEmailOptions['providers'][number];
/** One checked link of the chain. */
export type ResolvedMember = ResolvedFailoverOptions['providers'][number];
/** A checked `{ adapter, options }` link. */
export type BuiltMember = Extract<ResolvedMember, { adapter: FailoverMemberAdapter }>;

/** The instances a chain is built on: the email instances it names and the kv of every `idempotency.kv`. */
export function failoverNeeds(o: ResolvedFailoverOptions): AdapterNeed[] {
  const needs = idempotencyNeeds(o);
  o.providers.forEach((m, i) => {
    if (isInstanceMember(m))
      needs.push({ interface: 'email', instance: m.instance, option: `providers[${i}].instance` });
    else if (isBuiltMember(m)) needs.push(...idempotencyNeeds(m.options, `providers[${i}].options.`));
  });
  return needs;
}

export function isInstanceMember(m: ResolvedMember): m is { instance: string } {
  return 'instance' in m && typeof m.instance === 'string';
}

export function isBuiltMember(m: ResolvedMember): m is BuiltMember {
  return typeof (m as { adapter?: unknown }).adapter === 'string' && !('send' in m);
}
