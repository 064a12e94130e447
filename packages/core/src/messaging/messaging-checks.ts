import { describeValue } from '../errors/describe-value.js';
import type { MessagingCapabilities } from './messaging-capabilities.js';
import type { ConsumerConfig, MessagingHeader, PullOptions, StartPosition } from './messaging-contract.js';
import type { ResolvedConsumerConfig, DriverPull } from './messaging-driver.js';
import { MessagingError, type MessagingErrorCode } from './messaging-errors.js';

/** Limits every adapter shares, so that a message valid on one is valid on all (JetStream's included). */
export const messagingLimits = Object.freeze({
  maxSubjectBytes: 255,
  maxConsumerNameLength: 64,
  maxHeaders: 64,
  maxHeaderNameLength: 128,
  maxMessageIdBytes: 256,
  maxTokenLength: 1024,
  maxPullMessages: 1000,
  /** Longest `waitMs` of one pull (5 minutes): a longer wait is a loop of pulls. */
  maxPullWaitMs: 300_000,
  maxTimerMs: 2 ** 31 - 1,
  /** JetStream's default ack wait. */
  defaultAckWaitMs: 30_000,
});

const SUBJECT = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const CONSUMER = /^[A-Za-z0-9_-]+$/;
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const RESERVED_HEADER = /^(keel|nats)-/i;
const CONTROL = /[\u0000-\u001f\u007f]/;
const encoder = new TextEncoder();
const bytes = (text: string) => encoder.encode(text).byteLength;

/**
 * The argument checks of every messaging call. Each returns a `MessagingError` naming what to
 * fix, or `undefined`; a wrong JavaScript type is a programming mistake and throws `TypeError`.
 */
export function messagingChecks(adapter: string, capabilities: MessagingCapabilities) {
  const fail = (code: MessagingErrorCode, op: string, message: string, subject?: string) =>
    new MessagingError({ code, message, adapter, op, ...(subject === undefined ? {} : { subject }) });

  const subject = (op: string, value: unknown, what = 'subject'): MessagingError | undefined => {
    if (typeof value !== 'string')
      throw new TypeError(`messaging.${op}: ${what} must be a string, got ${describeValue(value)}`);
    // The pattern allows ASCII only, so a subject it takes has as many bytes as characters.
    if (value === '' || value.length > messagingLimits.maxSubjectBytes || !SUBJECT.test(value)) {
      return fail(
        'INVALID_SUBJECT',
        op,
        `${what} ${describeValue(value)} is not a subject: use 1 to 255 bytes of dot-separated tokens of ASCII letters, digits, '_' and '-' (no wildcards)`,
        value,
      );
    }
    return undefined;
  };

  const consumer = (op: string, value: unknown, subjectName?: string): MessagingError | undefined => {
    if (typeof value !== 'string')
      throw new TypeError(`messaging.${op}: consumer must be a string, got ${describeValue(value)}`);
    if (value.length === 0 || value.length > messagingLimits.maxConsumerNameLength || !CONSUMER.test(value)) {
      return fail(
        'INVALID_ARGUMENT',
        op,
        `consumer name ${describeValue(value)} is invalid: use 1 to 64 ASCII letters, digits, '_' and '-'`,
        subjectName,
      );
    }
    return undefined;
  };

  const integer = (op: string, name: string, value: unknown, min: number, max: number): MessagingError | undefined => {
    if (typeof value !== 'number')
      throw new TypeError(`messaging.${op}: ${name} must be a number, got ${describeValue(value)}`);
    if (!Number.isInteger(value) || value < min || value > max)
      return fail(
        'INVALID_ARGUMENT',
        op,
        `${name} must be an integer from ${min} to ${max}, got ${describeValue(value)}`,
      );
    return undefined;
  };

  function headers(op: string, list: readonly MessagingHeader[], subjectName: string): MessagingError | undefined {
    if (!Array.isArray(list)) throw new TypeError(`messaging.${op}: headers must be an array of { name, value }`);
    if (list.length > messagingLimits.maxHeaders)
      return fail('INVALID_ARGUMENT', op, `${list.length} headers: at most ${messagingLimits.maxHeaders}`, subjectName);
    for (const header of list) {
      const { name, value } = (header ?? {}) as Partial<MessagingHeader>;
      if (typeof name !== 'string' || typeof value !== 'string')
        throw new TypeError(`messaging.${op}: each header must be { name: string, value: string }`);
      if (name.length === 0 || name.length > messagingLimits.maxHeaderNameLength || !HEADER_NAME.test(name))
        return fail(
          'INVALID_ARGUMENT',
          op,
          `header name ${describeValue(name)} is not an HTTP token (1 to 128 characters)`,
          subjectName,
        );
      if (RESERVED_HEADER.test(name))
        return fail(
          'INVALID_ARGUMENT',
          op,
          `header name '${name}' is reserved: names starting with Keel- or Nats- are the adapters' own`,
          subjectName,
        );
      if (/[\r\n\u0000]/.test(value))
        return fail('INVALID_ARGUMENT', op, `header '${name}' has a CR, LF or NUL in its value`, subjectName);
    }
    return undefined;
  }

  function messageId(op: string, id: unknown, subjectName: string): MessagingError | undefined {
    if (id === undefined) return undefined;
    if (typeof id !== 'string')
      throw new TypeError(`messaging.${op}: messageId must be a string, got ${describeValue(id)}`);
    if (id === '' || bytes(id) > messagingLimits.maxMessageIdBytes || CONTROL.test(id))
      return fail(
        'INVALID_ARGUMENT',
        op,
        `messageId ${describeValue(id)} must be 1 to 256 bytes without control characters`,
        subjectName,
      );
    if (!capabilities.deduplication)
      return fail('UNSUPPORTED', op, `messaging adapter '${adapter}' does not de-duplicate by messageId`, subjectName);
    return undefined;
  }

  function size(
    op: string,
    data: Uint8Array,
    list: readonly MessagingHeader[],
    subjectName: string,
  ): MessagingError | undefined {
    const total = list.reduce((sum, h) => sum + bytes(h.name) + bytes(h.value), data.byteLength);
    if (total > capabilities.maxMessageBytes)
      return fail(
        'TOO_LARGE',
        op,
        `message of ${total} bytes (data and headers) is over the adapter's maxMessageBytes of ${capabilities.maxMessageBytes}`,
        subjectName,
      );
    return undefined;
  }

  function start(op: string, position: StartPosition): MessagingError | undefined {
    const kind = (position as { kind?: unknown })?.kind;
    if (kind === 'all' || kind === 'new') return undefined;
    if (kind === 'at-position') {
      const at = (position as { position?: unknown }).position;
      if (typeof at !== 'string' || at === '' || at.length > messagingLimits.maxTokenLength)
        return fail('INVALID_ARGUMENT', op, 'start.position must be a position a receipt or message gave');
      if (!capabilities.replay)
        return fail('UNSUPPORTED', op, `messaging adapter '${adapter}' cannot replay from a position`);
      return undefined;
    }
    if (kind === 'at-time') {
      const ms = (position as { ms?: unknown }).ms;
      const problem = integer(op, 'start.ms', ms, 0, Number.MAX_SAFE_INTEGER);
      if (problem) return problem;
      if (capabilities.replay !== 'time')
        return fail('UNSUPPORTED', op, `messaging adapter '${adapter}' cannot replay from a time`);
      return undefined;
    }
    throw new TypeError(
      `messaging.${op}: start must be { kind: 'all' | 'new' | 'at-position' | 'at-time' }, got ${describeValue(kind)}`,
    );
  }

  return {
    subject,
    consumer,
    /** Checks a publish; returns the bytes to store or the problem. */
    publish(
      subjectName: unknown,
      data: unknown,
      list: readonly MessagingHeader[],
      id: unknown,
    ): Uint8Array | MessagingError {
      const problem = subject('publish', subjectName);
      if (problem) return problem;
      const s = subjectName as string;
      if (typeof data !== 'string' && !(data instanceof Uint8Array))
        throw new TypeError(`messaging.publish: data must be a Uint8Array or a string, got ${describeValue(data)}`);
      const body = typeof data === 'string' ? encoder.encode(data) : data.slice();
      return headers('publish', list, s) ?? messageId('publish', id, s) ?? size('publish', body, list, s) ?? body;
    },
    consumerConfig(config: ConsumerConfig): ResolvedConsumerConfig | MessagingError {
      const op = 'ensureConsumer';
      if (typeof config !== 'object' || config === null)
        throw new TypeError('messaging.ensureConsumer: expected a consumer config');
      const { ackWaitMs = messagingLimits.defaultAckWaitMs, maxDeliveries, deadLetterSubject } = config;
      const startAt = config.start ?? { kind: 'all' };
      const problem =
        subject(op, config.subject) ??
        consumer(op, config.name, config.subject) ??
        start(op, startAt) ??
        integer(op, 'ackWaitMs', ackWaitMs, 1, messagingLimits.maxTimerMs) ??
        (maxDeliveries === undefined
          ? undefined
          : integer(op, 'maxDeliveries', maxDeliveries, 1, messagingLimits.maxTimerMs)) ??
        (deadLetterSubject === undefined ? undefined : deadLetter(op, config));
      if (problem) return problem;
      return Object.freeze({
        subject: config.subject,
        name: config.name,
        start: startAt,
        ackWaitMs,
        maxDeliveries,
        deadLetterSubject,
      });
    },
    pull(subjectName: unknown, name: unknown, options: PullOptions): Omit<DriverPull, 'signal'> | MessagingError {
      const { maxMessages = 1, waitMs = 0 } = options;
      const problem =
        subject('pull', subjectName) ??
        consumer('pull', name, subjectName as string) ??
        integer('pull', 'maxMessages', maxMessages, 1, messagingLimits.maxPullMessages) ??
        integer('pull', 'waitMs', waitMs, 0, messagingLimits.maxPullWaitMs);
      if (problem) return problem;
      return { subject: subjectName as string, consumer: name as string, maxMessages, waitMs };
    },
    token(op: string, token: unknown): MessagingError | undefined {
      if (typeof token !== 'string')
        throw new TypeError(`messaging.${op}: token must be a string, got ${describeValue(token)}`);
      if (token === '' || token.length > messagingLimits.maxTokenLength)
        return fail('INVALID_ARGUMENT', op, 'token must be the token of a delivered message');
      return undefined;
    },
    delay: (delayMs: number | undefined) =>
      delayMs === undefined ? undefined : integer('nak', 'delayMs', delayMs, 0, messagingLimits.maxTimerMs),
  };

  function deadLetter(op: string, config: ConsumerConfig): MessagingError | undefined {
    const problem = subject(op, config.deadLetterSubject, 'deadLetterSubject');
    if (problem) return problem;
    if (!capabilities.deadLetter)
      return fail('UNSUPPORTED', op, `messaging adapter '${adapter}' has no dead-letter subjects`, config.subject);
    if (config.maxDeliveries === undefined)
      return fail(
        'INVALID_ARGUMENT',
        op,
        'deadLetterSubject needs maxDeliveries: without a limit nothing is given up',
        config.subject,
      );
    if (config.deadLetterSubject === config.subject)
      return fail('INVALID_ARGUMENT', op, 'deadLetterSubject must differ from the consumer’s subject', config.subject);
    return undefined;
  }
}

export type MessagingChecks = ReturnType<typeof messagingChecks>;
