import type {
  ConsumerConfig,
  MessagingError,
  MessagingHeader,
  PublishReceipt,
  ReceivedMessage,
  StartPosition,
} from '@keel/core';
import type { WitError } from '../imports/binding.js';
import { witCase } from '../imports/binding.js';

/** WIT `messaging.start-position` as jco lifts it. */
export type WitStartPosition =
  | { readonly tag: 'all' }
  | { readonly tag: 'new' }
  | { readonly tag: 'at-position'; readonly val: string }
  | { readonly tag: 'at-time'; readonly val: bigint };

/** WIT `messaging.consumer-config` as jco lifts it (an option that is none is `undefined`). */
export interface WitConsumerConfig {
  readonly subject: string;
  readonly name: string;
  readonly start: WitStartPosition;
  readonly ackWaitMs: number;
  readonly maxDeliveries: number | undefined;
  readonly deadLetterSubject: string | undefined;
}

export interface WitPublishOptions {
  readonly headers: readonly MessagingHeader[];
  readonly messageId: string | undefined;
}

export function startFromWit(start: WitStartPosition): StartPosition {
  switch (start.tag) {
    case 'at-position':
      return { kind: 'at-position', position: start.val };
    case 'at-time':
      // A u64 beyond 2^53 is not a time core takes; NaN makes core refuse it as invalid-argument.
      return { kind: 'at-time', ms: start.val <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(start.val) : Number.NaN };
    default:
      return { kind: start.tag };
  }
}

/** A guest's consumer config as core's, under the consumer name the host gives it. */
export function consumerConfigFromWit(config: WitConsumerConfig, name: string): ConsumerConfig {
  return {
    subject: config.subject,
    name,
    start: startFromWit(config.start),
    ackWaitMs: config.ackWaitMs,
    ...(config.maxDeliveries === undefined ? {} : { maxDeliveries: config.maxDeliveries }),
    ...(config.deadLetterSubject === undefined ? {} : { deadLetterSubject: config.deadLetterSubject }),
  };
}

export function receiptToWit(receipt: PublishReceipt) {
  return { position: receipt.position, duplicate: receipt.duplicate };
}

/** A delivered message as WIT `messaging.message`, with the token the guest is to hand back. */
export function messageToWit(message: ReceivedMessage, token: string) {
  return {
    subject: message.subject,
    position: message.position,
    data: message.data,
    headers: message.headers.map(({ name, value }) => ({ name, value })),
    messageId: message.messageId,
    publishedAtMs: BigInt(Math.max(0, Math.trunc(message.publishedAtMs))),
    deliveries: message.deliveries,
    token,
  };
}

/** Core's `MessagingError` as WIT `messaging.error`. */
export function messagingErrorToWit(error: MessagingError, hide?: (message: string) => string): WitError {
  return { tag: witCase(error.code), val: hide ? hide(error.message) : error.message };
}
