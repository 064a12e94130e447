import { instanceToken, type Email } from '@keel/core';
import { KeelOptionsError, readOptions, type AdapterContext } from '@keel/core/adapter';
import { readClock, readIdempotency, type IdempotencyOptions, type IdempotencyPolicy } from './reliability-options.js';
import type { Clock } from '@keel/core';

/** Provider ids a failover chain can build itself. */
export type FailoverMemberAdapter = 'sendgrid' | 'mailgun' | 'ses' | 'smtp' | 'outbox';

/**
 * One link of the chain: an `Email` built elsewhere, a provider built from its id and options
 * (the chain then owns and closes it), or an email instance configured earlier in the same
 * config, by name.
 */
export type FailoverMember =
  | Email
  | { readonly adapter: FailoverMemberAdapter; readonly options?: Readonly<Record<string, unknown>> }
  | { readonly instance: string };

/** Options of `createFailoverEmail`. */
export interface FailoverEmailOptions {
  /** Providers in order of preference; the next is tried only after a retryable failure (`UNAVAILABLE`, `RATE_LIMITED`). */
  readonly providers: readonly FailoverMember[];
  /** Idempotency over the whole chain: a repeated key returns the receipt of whichever provider sent it. @default { windowMs: 86400000 } in process */
  readonly idempotency?: IdempotencyOptions | false;
  /** @default the system clock */
  readonly clock?: Clock;
}

export type ResolvedMember =
  | { readonly kind: 'email'; readonly email: Email }
  | { readonly kind: 'build'; readonly adapter: FailoverMemberAdapter; readonly options: unknown };

export interface ResolvedFailoverOptions {
  readonly members: readonly ResolvedMember[];
  readonly idempotency: IdempotencyPolicy | undefined;
  readonly clock: Clock;
}

const ADAPTERS: readonly FailoverMemberAdapter[] = ['sendgrid', 'mailgun', 'ses', 'smtp', 'outbox'];

export function resolveFailoverOptions(
  options: FailoverEmailOptions | undefined,
  context?: AdapterContext,
): ResolvedFailoverOptions {
  const factory = 'createFailoverEmail';
  const o = readOptions(factory, options);
  const providers = o.raw('providers');
  if (!Array.isArray(providers) || providers.length < 1)
    throw new KeelOptionsError('providers', 'expected a list of at least one provider', factory);
  const members = providers.map((member: unknown, i): ResolvedMember => {
    const at = `providers[${i}]`;
    if (isEmail(member)) return { kind: 'email', email: member };
    if (typeof member !== 'object' || member === null)
      throw new KeelOptionsError(at, 'expected an Email, { adapter, options } or { instance }', factory);
    const m = readOptions(factory, member, `${at}.`);
    const instance = m.optionalString('instance');
    if (instance !== undefined) {
      m.done();
      if (!context)
        throw new KeelOptionsError(
          `${at}.instance`,
          'works only when the container builds the chain; pass an Email',
          factory,
        );
      try {
        return { kind: 'email', email: context.resolve(instanceToken('email', instance)) };
      } catch {
        throw new KeelOptionsError(
          `${at}.instance`,
          `no email instance '${instance}' is configured before this one`,
          factory,
        );
      }
    }
    const adapter = m.oneOf('adapter', [...ADAPTERS, 'failover'] as const, 'failover');
    if (adapter === 'failover')
      throw new KeelOptionsError(
        `${at}.adapter`,
        `expected one of ${ADAPTERS.map((a) => `'${a}'`).join(', ')}`,
        factory,
      );
    const memberOptions = m.raw('options');
    m.done();
    return { kind: 'build', adapter, options: memberOptions };
  });
  const idempotency = readIdempotency(o, factory, context, 120_000);
  const clock = readClock(o, factory);
  o.done();
  return { members, idempotency, clock };
}

function isEmail(value: unknown): value is Email {
  const v = value as Partial<Email> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.send === 'function' &&
    typeof v.close === 'function' &&
    typeof v.adapter === 'string'
  );
}
