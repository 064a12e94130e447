import type { EmailError, EmailMessage, EmailReceipt } from '@keel/core';
import type { WitError } from '../imports/binding.js';
import { witCase } from '../imports/binding.js';

/** WIT `email.address` as jco lifts it. */
interface WitAddress {
  readonly email: string;
  readonly name?: string;
}

/** WIT `email.message` as jco lifts it: every list present, options `undefined` when none. */
export interface WitEmailMessage {
  readonly from: WitAddress;
  readonly to: readonly WitAddress[];
  readonly cc: readonly WitAddress[];
  readonly bcc: readonly WitAddress[];
  readonly replyTo: readonly WitAddress[];
  readonly subject: string;
  readonly text?: string;
  readonly html?: string;
  readonly attachments: readonly { filename: string; contentType: string; content: Uint8Array; contentId?: string }[];
  readonly headers: readonly { name: string; value: string }[];
  readonly tags: readonly string[];
  readonly metadata: readonly (readonly [string, string])[];
  readonly idempotencyKey?: string;
}

const address = (a: WitAddress) => (a.name === undefined ? { email: a.email } : { email: a.email, name: a.name });

/** A guest's message as core's `EmailMessage`; core's guard validates it like any other. */
export function emailMessageFromWit(m: WitEmailMessage): EmailMessage {
  return {
    from: address(m.from),
    to: m.to.map(address),
    cc: m.cc.map(address),
    bcc: m.bcc.map(address),
    replyTo: m.replyTo.map(address),
    subject: m.subject,
    ...(m.text === undefined ? {} : { text: m.text }),
    ...(m.html === undefined ? {} : { html: m.html }),
    attachments: m.attachments.map((a) => ({
      filename: a.filename,
      contentType: a.contentType,
      content: a.content,
      ...(a.contentId === undefined ? {} : { contentId: a.contentId }),
    })),
    headers: m.headers.map((h) => ({ name: h.name, value: h.value })),
    tags: [...m.tags],
    metadata: Object.fromEntries(m.metadata),
    ...(m.idempotencyKey === undefined ? {} : { idempotencyKey: m.idempotencyKey }),
  };
}

export function emailReceiptToWit(receipt: EmailReceipt) {
  return { messageId: receipt.messageId, provider: receipt.provider, accepted: [...receipt.accepted] };
}

/** Core's `EmailError` as WIT `email.error`; `rate-limited` carries its retry hint. */
export function emailErrorToWit(error: EmailError): WitError {
  const tag = witCase(error.code);
  if (tag === 'rate-limited') {
    const retry = error.retryAfterMs;
    return { tag, val: { retryAfterMs: retry === undefined ? undefined : BigInt(Math.max(0, Math.round(retry))), message: error.message } };
  }
  return { tag, val: error.message };
}
