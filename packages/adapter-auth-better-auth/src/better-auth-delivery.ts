import type { MaybePromise } from '@keel/core/adapter';

/** A one-time token better-auth made, on its way to a user (the shape of `@keel/adapter-auth`'s messages). */
export interface BetterAuthTokenMessage {
  readonly kind: 'password-reset' | 'email-verification';
  readonly userId: string;
  readonly email: string;
  readonly token: string;
  /** `resetUrl` / `verifyUrl` with the token in it, when set. */
  readonly url: string | undefined;
  /** Milliseconds since the epoch. */
  readonly expiresAt: number;
}

/**
 * Hands tokens to the app's hook and keeps the deliveries better-auth does not await (it may run
 * them in the background), so that `close` waits for them and a failure is not lost.
 *
 * @example
 * const delivery = tokenDelivery(options.deliverToken);
 * await delivery.send({ kind: 'password-reset', … });
 */
export function tokenDelivery(deliver: ((message: BetterAuthTokenMessage) => MaybePromise<void>) | undefined) {
  const pending = new Set<Promise<void>>();
  return {
    configured: deliver !== undefined,
    send(message: BetterAuthTokenMessage): Promise<void> {
      if (!deliver) return Promise.resolve();
      const sent = Promise.resolve().then(() => deliver(message));
      const tracked = sent.finally(() => pending.delete(tracked));
      pending.add(tracked);
      return sent;
    },
    async drain(): Promise<void> {
      await Promise.allSettled([...pending]);
    },
  };
}

export type TokenDelivery = ReturnType<typeof tokenDelivery>;
