import type { HealthDetail } from '../lifecycle/health.js';
import type { MaybePromise } from '../lifecycle/promise-like.js';
import type { MessagingCapabilities } from './messaging-capabilities.js';
import type { MessagingHeader, PublishReceipt, ReceivedMessage, StartPosition } from './messaging-contract.js';

/** A consumer config as a driver sees it: checked, with every default filled in. */
export interface ResolvedConsumerConfig {
  readonly subject: string;
  readonly name: string;
  readonly start: StartPosition;
  readonly ackWaitMs: number;
  readonly maxDeliveries: number | undefined;
  readonly deadLetterSubject: string | undefined;
}

/** A pull as a driver sees it. */
export interface DriverPull {
  readonly subject: string;
  readonly consumer: string;
  readonly maxMessages: number;
  /** Wait at most this long for a first message when none is ready. */
  readonly waitMs: number;
  /** Aborted when the adapter closes: stop waiting and return what there is. */
  readonly signal: AbortSignal;
}

/**
 * What a messaging adapter implements. Core checks every argument (subjects, names, headers,
 * sizes, options against the capabilities) before calling it and enforces the lifecycle. A
 * driver throws a `MessagingError` for an expected failure (`NOT_FOUND` for an unknown
 * consumer, `INVALID_ARGUMENT` for a token it did not issue) and anything else for an
 * unexpected one (which becomes `INTERNAL`).
 *
 * A driver gives messages up after `maxDeliveries` itself, publishing them to the dead-letter
 * subject with `deadLetterHeaders`.
 */
export interface MessagingDriver {
  readonly adapter: string;
  readonly capabilities: MessagingCapabilities;
  open?(): MaybePromise<void>;
  close?(): MaybePromise<void>;
  health?(): MaybePromise<HealthDetail>;

  publish(
    subject: string,
    data: Uint8Array,
    headers: readonly MessagingHeader[],
    messageId: string | undefined,
  ): MaybePromise<PublishReceipt>;
  ensureConsumer(config: ResolvedConsumerConfig): MaybePromise<void>;
  deleteConsumer(subject: string, consumer: string): MaybePromise<boolean>;
  pull(request: DriverPull): MaybePromise<readonly ReceivedMessage[]>;
  ack(token: string): MaybePromise<boolean>;
  nak(token: string, delayMs: number): MaybePromise<boolean>;
}

/**
 * The headers a dead-lettered message carries beside its own, the same on every adapter.
 *
 * @example
 * publish(config.deadLetterSubject, message.data, deadLetterHeaders(message, config.name), undefined);
 */
export function deadLetterHeaders(message: ReceivedMessage, consumer: string): MessagingHeader[] {
  return [
    ...message.headers,
    { name: 'Keel-Dead-Letter-Subject', value: message.subject },
    { name: 'Keel-Dead-Letter-Consumer', value: consumer },
    { name: 'Keel-Dead-Letter-Position', value: message.position },
    { name: 'Keel-Deliveries', value: String(message.deliveries) },
    ...(message.messageId === undefined ? [] : [{ name: 'Keel-Dead-Letter-Message-Id', value: message.messageId }]),
  ];
}
