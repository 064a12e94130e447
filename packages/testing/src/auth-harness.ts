import type { Auth, AuthSession, AuthUser } from '@keel/core';
import type { AuthCapabilities } from '@keel/core';
import { expectOk } from './expect-result.js';
import type { ConformanceOptions, TestContext } from './harness.js';
import { Harness } from './harness.js';

/** A one-time token as it reached the user. */
export interface SentAuthToken {
  readonly kind: 'password-reset' | 'email-verification';
  readonly email: string;
  readonly token: string;
}

/**
 * The roles every instance under the conformance suite must be configured with, and its
 * `defaultRoles` (`['member']`).
 */
export const authConformanceRoles = Object.freeze({
  admin: ['*'],
  editor: ['posts:*', 'comments:read'],
  member: ['profile:read', 'profile:write'],
});

/**
 * The factory must build an instance that reads `context.clock`, has the roles of
 * `authConformanceRoles` with `defaultRoles: ['member']`, locks an account after at most 20
 * failed sign-ins, accepts 16-character passphrases and refuses `'123'`.
 */
export interface AuthConformanceOptions extends ConformanceOptions<Auth, AuthCapabilities> {
  /** The reset and verification tokens this instance delivered, oldest first. Required with `tokenDelivery`. */
  readonly sentTokens?: (context: TestContext) => Promise<readonly SentAuthToken[]>;
}

export class AuthHarness extends Harness<Auth, AuthCapabilities> {
  declare readonly options: AuthConformanceOptions;
  private users = 0;

  /** A fresh email, unique within the run. */
  email(): string {
    return `user${this.users++}-${process.pid}@example.com`;
  }

  /** Registers an account with a strong password. */
  async signUp(
    auth: Auth,
    email = this.email(),
    password = `lantern harbor ${this.users} violet`,
  ): Promise<{ user: AuthUser; email: string; password: string }> {
    const user = expectOk(await auth.register({ email, password }));
    return { user, email, password };
  }

  async signIn(auth: Auth, email: string, password: string): Promise<AuthSession> {
    return expectOk(await auth.login({ email, password }));
  }

  /**
   * Runs `request` (a reset or verification request) and returns the token it sent to `email`:
   * the first one that was not there before, waiting a little for background delivery.
   */
  async tokenFrom(
    context: TestContext,
    kind: SentAuthToken['kind'],
    email: string,
    request: () => PromiseLike<unknown>,
  ): Promise<string> {
    if (!this.options.sentTokens)
      throw new Error(
        `${this.options.name}: an adapter with tokenDelivery must pass sentTokens to the conformance suite`,
      );
    const sent = async () =>
      (await (this.options.sentTokens as NonNullable<AuthConformanceOptions['sentTokens']>)(context)).filter(
        (t) => t.kind === kind && t.email === email,
      );
    // Tokens of earlier requests (a verification email on register) may still be on their way.
    const settled = async () => {
      let last = (await sent()).length;
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        const now = await sent();
        if (now.length === last) return now;
        last = now.length;
      }
    };
    const before = (await settled()).length;
    await request();
    for (let attempt = 0; attempt < 100; attempt++) {
      if ((await sent()).length > before) return ((await settled()).at(-1) as SentAuthToken).token;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`no ${kind} token was sent to ${email}`);
  }

  /** How many tokens of a kind were sent to an address, after a short wait for background delivery. */
  async tokenCount(context: TestContext, kind: SentAuthToken['kind'], email: string): Promise<number> {
    await new Promise((resolve) => setTimeout(resolve, 50));
    return (await (this.options.sentTokens?.(context) ?? Promise.resolve([]))).filter(
      (t) => t.kind === kind && t.email === email,
    ).length;
  }
}
