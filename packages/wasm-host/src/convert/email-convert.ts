import type { EmailError, EmailMessage, EmailReceipt } from '@keel/core';
import type { NormalizedEmail } from '@keel/core/adapter';
import type { WitError } from '../imports/binding.js';
import { witCase } from '../imports/binding.js';

/**
 * WIT `email.message` as jco lifts it: core's normalized shape (every list present, `undefined`
 * for an option that is none), except `metadata`, a list of pairs.
 */
export type WitEmailMessage = Omit<NormalizedEmail, 'metadata'> & {
  readonly metadata: readonly (readonly [string, string])[];
};

/** A guest's message as core's `EmailMessage`; core's guard validates it like any other. */
export function emailMessageFromWit(message: WitEmailMessage): EmailMessage {
  return { ...message, metadata: Object.fromEntries(message.metadata) };
}

export function emailReceiptToWit(receipt: EmailReceipt) {
  return { messageId: receipt.messageId, provider: receipt.provider, accepted: [...receipt.accepted] };
}

/** Core's `EmailError` as WIT `email.error`; `rate-limited` carries its retry hint. */
export function emailErrorToWit(error: EmailError): WitError {
  const tag = witCase(error.code);
  if (tag === 'rate-limited') {
    const retry = error.retryAfterMs;
    return {
      tag,
      val: {
        retryAfterMs: retry === undefined ? undefined : BigInt(Math.max(0, Math.round(retry))),
        message: error.message,
      },
    };
  }
  return { tag, val: error.message };
}
