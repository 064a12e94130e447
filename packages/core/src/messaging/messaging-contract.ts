import type { ResultAsync } from 'neverthrow';
import type { AdapterLifecycle } from '../lifecycle/health.js';
import type { MessagingCapabilities } from './messaging-capabilities.js';
import type { MessagingError } from './messaging-errors.js';
import type { Subscription, SubscribeOptions, MessageHandler, MessagesOptions } from './messaging-subscribe.js';

/** WIT `messaging.header`. Names are HTTP tokens; `Keel-…` and `Nats-…` are reserved. */
export interface MessagingHeader {
  readonly name: string;
  readonly value: string;
}

/** WIT `messaging.publish-options`; every field is optional on the TypeScript side. */
export interface PublishOptions {
  /** @default [] */
  readonly headers?: readonly MessagingHeader[];
  /** De-duplication: a repeat within the adapter's window is `duplicate` and not stored again. */
  readonly messageId?: string;
}

/** WIT `messaging.receipt`. */
export interface PublishReceipt {
  /** Opaque and increasing within the subject; for a duplicate, the first message's position. */
  readonly position: string;
  readonly duplicate: boolean;
}

/** WIT `messaging.start-position`: where a new consumer starts reading. */
export type StartPosition =
  | { readonly kind: 'all' }
  | { readonly kind: 'new' }
  | { readonly kind: 'at-position'; readonly position: string }
  | { readonly kind: 'at-time'; readonly ms: number };

/** WIT `messaging.consumer-config`; the optional fields have the defaults shown. */
export interface ConsumerConfig {
  readonly subject: string;
  /** The durable name every member of the group pulls under. */
  readonly name: string;
  /** @default { kind: 'all' } */
  readonly start?: StartPosition;
  /** @default 30000 (JetStream's default ack wait) */
  readonly ackWaitMs?: number;
  /** Deliveries of one message before it is given up. @default unlimited */
  readonly maxDeliveries?: number;
  /** Where a message given up is published (needs the `deadLetter` capability). @default dropped */
  readonly deadLetterSubject?: string;
}

/** WIT `messaging.message`: one delivery of a stored message. */
export interface ReceivedMessage {
  readonly subject: string;
  readonly position: string;
  readonly data: Uint8Array;
  readonly headers: readonly MessagingHeader[];
  readonly messageId: string | undefined;
  readonly publishedAtMs: number;
  /** 1 on the first delivery. */
  readonly deliveries: number;
  /** Pass to `ack` or `nak`. */
  readonly token: string;
}

/** WIT `messaging.pull-options`; every field is optional on the TypeScript side. */
export interface PullOptions {
  /** 1 to 1000. @default 1 */
  readonly maxMessages?: number;
  /** How long to wait for a first message, in ms; 0 returns at once. @default 0 */
  readonly waitMs?: number;
}

/**
 * The operations of WIT interface `keel:infrastructure/messaging`, name for name. A test
 * compares this interface with the WIT and fails when they drift.
 *
 * Guarantees every adapter gives: delivery is at least once; a consumer's members share its
 * messages (each delivery goes to one of them); an acknowledged message is not delivered to
 * that consumer again; a message not acknowledged within `ackWaitMs` is delivered again, with
 * `deliveries` counting up, until `maxDeliveries`, after which it goes to `deadLetterSubject`.
 */
export interface MessagingOperations {
  /** Stores a message; `data` as a string is sent as its UTF-8 bytes. */
  publish(
    subject: string,
    data: Uint8Array | string,
    options?: PublishOptions,
  ): ResultAsync<PublishReceipt, MessagingError>;
  /** Creates the consumer, or updates an existing one's ack wait, limit and dead-letter subject (not its position). */
  ensureConsumer(config: ConsumerConfig): ResultAsync<void, MessagingError>;
  /** `true` when the consumer existed. */
  deleteConsumer(subject: string, consumer: string): ResultAsync<boolean, MessagingError>;
  /** Due redeliveries first, then new messages in subject order. `NOT_FOUND` for an unknown consumer. */
  pull(
    subject: string,
    consumer: string,
    options?: PullOptions,
  ): ResultAsync<readonly ReceivedMessage[], MessagingError>;
  /** `false` when the message was no longer pending (already settled, or given up). */
  ack(token: string): ResultAsync<boolean, MessagingError>;
  /**
   * Delivers the message again after `delayMs` (at once when omitted; a delay longer than the
   * consumer's ack wait is the ack wait). `false` when it was no longer pending.
   */
  nak(token: string, delayMs?: number): ResultAsync<boolean, MessagingError>;
}

/**
 * Messaging as callers use it: the WIT operations, push delivery built on `pull`, and the
 * lifecycle.
 *
 * @example
 * await keel.messaging.ensureConsumer({ subject: 'orders.created', name: 'billing', maxDeliveries: 5, deadLetterSubject: 'orders.dead' });
 * const sub = keel.messaging.subscribe('orders.created', 'billing', async (message) => bill(message.data));
 * await keel.messaging.publish('orders.created', JSON.stringify(order), { messageId: order.id });
 */
export interface Messaging extends MessagingOperations, AdapterLifecycle<MessagingError> {
  readonly adapter: string;
  readonly capabilities: MessagingCapabilities;
  /**
   * Calls `handler` for every message of the consumer (which must exist): a handler that returns
   * acknowledges it, one that throws asks for it again (`nak`), after `retryDelayMs`.
   */
  subscribe(subject: string, consumer: string, handler: MessageHandler, options?: SubscribeOptions): Subscription;
  /** The consumer's messages as an async iterator; the caller acknowledges each. Ends on `signal` or `close()`. */
  messages(subject: string, consumer: string, options?: MessagesOptions): AsyncIterable<ReceivedMessage>;
}
