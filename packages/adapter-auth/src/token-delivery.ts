import type { Clock, Email } from '@keel/core';
import type { MaybePromise } from '@keel/core/adapter';
import type { ResolvedTokenMailOptions } from './mail-options.js';
import type { OneTimeTokenKind } from './user-store.js';

/**
 * What a token message is for: a password reset, an email verification, or `account-exists`
 * (with `registration.enumeration: 'hide'`): someone tried to register with this address, which
 * already has an account; its token is a password-reset token and `url` the reset link.
 */
export type AuthTokenMessageKind = OneTimeTokenKind | 'account-exists';

/** A one-time token on its way to a user. */
export interface AuthTokenMessage {
  readonly kind: AuthTokenMessageKind;
  readonly userId: string;
  readonly email: string;
  readonly token: string;
  /** The link built from `mail.resetUrl` (resets, `account-exists`) / `mail.verifyUrl`, when set. */
  readonly url: string | undefined;
  /** Milliseconds since the epoch. */
  readonly expiresAt: number;
}

export interface TokenDeliveryOptions {
  readonly email: Email | undefined;
  readonly mail: ResolvedTokenMailOptions;
  readonly deliverToken: ((message: AuthTokenMessage) => MaybePromise<void>) | undefined;
  readonly onError: (error: unknown) => void;
  readonly clock: Clock;
}

export type TokenDelivery = ReturnType<typeof createTokenDelivery>;

/** Sends one-time tokens through the email adapter and/or the `deliverToken` hook. */
export function createTokenDelivery({ email, mail, deliverToken, onError, clock }: TokenDeliveryOptions) {
  const pending = new Set<Promise<void>>();

  async function send(message: AuthTokenMessage): Promise<void> {
    const tasks: Promise<unknown>[] = [];
    if (deliverToken) tasks.push(Promise.resolve().then(() => deliverToken(message)));
    if (email) {
      const rendered: { subject: string; text: string; html?: string } = (
        mail.render ?? defaultRender(mail.appName, clock)
      )(message);
      const { subject, text, html } = rendered;
      const sending = email.send({
        from: mail.from as string,
        to: [message.email],
        subject,
        text,
        ...(html ? { html } : {}),
        tags: [`auth-${message.kind}`],
      });
      tasks.push(
        (async () => {
          const sent = await sending;
          if (sent.isErr()) throw sent.error;
        })(),
      );
    }
    for (const outcome of await Promise.allSettled(tasks)) if (outcome.status === 'rejected') onError(outcome.reason);
  }

  return {
    configured: email !== undefined || deliverToken !== undefined,

    urlFor(kind: AuthTokenMessageKind, token: string): string | undefined {
      const template = kind === 'email-verification' ? mail.verifyUrl : mail.resetUrl;
      if (template === undefined) return undefined;
      return typeof template === 'function'
        ? template(token)
        : template.replaceAll('{token}', encodeURIComponent(token));
    },

    async deliver(message: AuthTokenMessage): Promise<void> {
      const sending = send(message);
      if (mail.delivery === 'await') return sending;
      pending.add(sending);
      void sending.finally(() => pending.delete(sending));
    },

    /** Waits for background deliveries (on close). */
    async drain(): Promise<void> {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}

function defaultRender(appName: string, clock: Clock) {
  return (m: AuthTokenMessage) => {
    const hours = Math.max(1, Math.round((m.expiresAt - clock.now()) / 3_600_000));
    const where = m.url
      ? `Open this link within ${hours} hour(s):\n\n${m.url}`
      : `Use this code within ${hours} hour(s):\n\n${m.token}`;
    if (m.kind === 'account-exists') {
      return {
        subject: `Someone tried to sign up for ${appName} with your email`,
        text:
          `Someone, maybe you, tried to create a ${appName} account with this email address, which already has one. ` +
          `If it was you, sign in instead, or set a new password if you forgot it.\n\n${where}\n\n` +
          'If it was not you, ignore this email: nothing changed.',
      };
    }
    if (m.kind === 'password-reset') {
      return {
        subject: `Reset your ${appName} password`,
        text: `Someone asked to reset the password of your ${appName} account.\n\n${where}\n\nIf it was not you, ignore this email: your password stays the same.`,
      };
    }
    return {
      subject: `Confirm your email for ${appName}`,
      text: `Please confirm this email address for your ${appName} account.\n\n${where}`,
    };
  };
}
