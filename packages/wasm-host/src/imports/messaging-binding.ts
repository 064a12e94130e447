import type { Messaging, MessagingError, MessagingHeader } from '@keel/core';
import {
  consumerConfigFromWit,
  messageToWit,
  messagingErrorToWit,
  receiptToWit,
  type WitConsumerConfig,
  type WitPublishOptions,
} from '../convert/messaging-convert.js';
import type { Binding, BindingContext, WitError } from './binding.js';
import type { CursorSeal } from './cursor-seal.js';
import { settle } from './adapter-calls.js';
import { subjectAllowed, type SubjectPattern } from './subject-patterns.js';

/** How a component may use messaging. */
export interface MessagingGrant {
  /** Subjects it may publish to (and name as a dead-letter subject). */
  readonly publish: readonly SubjectPattern[];
  /** Subjects it may create consumers on and pull from. */
  readonly consume: readonly SubjectPattern[];
  /** Largest message it may publish (data plus header names and values), in bytes; the adapter's own limit still holds. */
  readonly maxMessageBytes: number | undefined;
  /** Every consumer name the guest gives is stored under this prefix, invisibly to it. */
  readonly consumerPrefix: string;
}

/** The longest consumer name core takes; the prefix's share of it is not the guest's. */
const MAX_CONSUMER_NAME = 64;
const encoder = new TextEncoder();

/**
 * `keel:infrastructure/messaging` for a guest, served by a messaging adapter (isolated mode:
 * every operation is asynchronous). Subjects outside the grant are `access-denied`, counted and
 * logged; consumer names live under the grant's prefix, so a guest cannot join an app's consumer
 * group; delivery tokens are sealed to that prefix, so it cannot settle anyone else's messages;
 * a pull waits at most the call's time limit. Everything else is core's guard, as for any caller.
 */
export function messagingBinding(
  messaging: Messaging,
  grant: MessagingGrant,
  ctx: BindingContext,
  seal: CursorSeal,
  maxWaitMs: number,
): Binding {
  const ns = grant.consumerPrefix;
  const sealedFor = `messaging:${ns}`;
  // Adapter messages name the stored consumer; the guest knows only its own name.
  const hide = (message: string) => message.split(ns).join('');
  const fail = (error: MessagingError): never => {
    throw messagingErrorToWit(error, hide);
  };
  const reject = (tag: string, message: string): never => {
    throw { tag, val: message } satisfies WitError;
  };
  const check = (fn: string, what: 'publish' | 'consume', subject: string, label = 'subject') => {
    if (!subjectAllowed(grant[what], subject))
      throw ctx.denied('messaging', fn, `the messaging grant does not allow ${what} on the ${label} '${subject}'`);
  };
  const consumer = (name: string): string => {
    const room = MAX_CONSUMER_NAME - ns.length;
    if (name.length === 0 || name.length > room)
      return reject('invalid-argument', `consumer name must be 1 to ${room} characters here, got ${name.length}`);
    return ns + name;
  };
  const size = (data: Uint8Array, headers: readonly MessagingHeader[]) =>
    headers.reduce(
      (sum, h) => sum + encoder.encode(h.name).byteLength + encoder.encode(h.value).byteLength,
      data.byteLength,
    );
  const token = (sealed: string): string =>
    seal.open(sealed, sealedFor) ??
    reject('invalid-argument', 'token must be the token of a message delivered to this component');

  return {
    publish: (subject: string, data: Uint8Array, options: WitPublishOptions) => {
      check('publish', 'publish', subject);
      const max = grant.maxMessageBytes;
      const total = max === undefined ? 0 : size(data, options.headers);
      if (max !== undefined && total > max)
        return reject(
          'too-large',
          `message of ${total} bytes (data and headers) is over the grant's maxMessageBytes of ${max}`,
        );
      const headers = options.headers.map(({ name, value }) => ({ name, value }));
      return settle(
        messaging.publish(subject, data, {
          headers,
          ...(options.messageId === undefined ? {} : { messageId: options.messageId }),
        }),
        receiptToWit,
        fail,
      );
    },
    ensureConsumer: (config: WitConsumerConfig) => {
      check('ensureConsumer', 'consume', config.subject);
      // A dead letter is published on the guest's behalf: it needs the publish grant.
      if (config.deadLetterSubject !== undefined)
        check('ensureConsumer', 'publish', config.deadLetterSubject, 'dead-letter subject');
      return settle(
        messaging.ensureConsumer(consumerConfigFromWit(config, consumer(config.name))),
        () => undefined,
        fail,
      );
    },
    deleteConsumer: (subject: string, name: string) => {
      check('deleteConsumer', 'consume', subject);
      return settle(messaging.deleteConsumer(subject, consumer(name)), (existed) => existed, fail);
    },
    pull: (subject: string, name: string, options: { maxMessages: number; waitMs: number }) => {
      check('pull', 'consume', subject);
      // A longer wait would outlive the call (and hold the adapter) after the guest is gone.
      const waitMs = Math.min(options.waitMs, maxWaitMs);
      return settle(
        messaging.pull(subject, consumer(name), { maxMessages: options.maxMessages, waitMs }),
        (messages) => messages.map((m) => messageToWit(m, seal.seal(m.token, sealedFor))),
        fail,
      );
    },
    ack: (sealed: string) => settle(messaging.ack(token(sealed)), (pending) => pending, fail),
    nak: (sealed: string, delayMs: number | undefined) =>
      settle(messaging.nak(token(sealed), delayMs), (pending) => pending, fail),
  };
}
