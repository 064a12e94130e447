import type { Email, EmailError } from '@keel/core';
import {
  emailErrorToWit,
  emailMessageFromWit,
  emailReceiptToWit,
  type WitEmailMessage,
} from '../convert/email-convert.js';
import type { Binding, BindingContext } from './binding.js';
import { settle } from './adapter-calls.js';

/** How a component may send mail. */
export interface EmailGrant {
  /**
   * The sender addresses it may use (compared without case); `undefined` allows any. A guest
   * naming another sender gets `access-denied`, so it cannot mail as someone else.
   */
  readonly from: readonly string[] | undefined;
}

/**
 * `keel:infrastructure/email` for a guest, served by an email adapter. The message goes through
 * core's guard like any other (validation, header injection, limits); delivery is asynchronous,
 * so only isolated mode serves it.
 */
export function emailBinding(email: Email, grant: EmailGrant, ctx: BindingContext): Binding {
  const senders = grant.from === undefined ? undefined : new Set(grant.from.map((a) => a.toLowerCase()));
  const fail = (error: EmailError): never => {
    throw emailErrorToWit(error);
  };
  return {
    send: (message: WitEmailMessage) => {
      if (senders && !senders.has(message.from.email.toLowerCase())) {
        throw ctx.denied('email', 'send', `the email grant does not allow the sender ${message.from.email}`);
      }
      return settle(email.send(emailMessageFromWit(message)), emailReceiptToWit, fail);
    },
  };
}
