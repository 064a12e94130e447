import { AuthError, type Clock, type Kv, type OidcLoginOptions } from '@keel/core';
import { tokenHash } from './auth-crypto.js';
import { readRecord } from './kv-record.js';
import { bindingMatches, oidcBindingParam } from './oidc-binding.js';
import { must, type KvKeys } from './store-results.js';

/** What a sign-in keeps server-side between the redirect and the callback, under the state's hash. */
export interface SignInState {
  readonly v: 1;
  /** Provider name, PKCE code verifier, nonce (OIDC only), return-to, created at. */
  readonly p: string;
  readonly cv: string;
  readonly n?: string;
  readonly rt?: string;
  readonly ca: number;
}

/**
 * The sign-in state every provider kind shares (OIDC and GitHub): stored single-use with a TTL,
 * spent by exactly one callback, from the browser that started it (`oidc-binding.ts`).
 */
export function createSignInStates(kv: Kv, keys: KvKeys, clock: Clock, stateTtlMs: number) {
  return {
    async store(
      state: string,
      record: { p: string; cv: string; n?: string },
      options: OidcLoginOptions,
    ): Promise<void> {
      const full: SignInState = {
        v: 1,
        ...record,
        ca: clock.now(),
        ...(options.returnTo === undefined ? {} : { rt: options.returnTo }),
      };
      await must(
        kv.set(keys.oidcState(tokenHash(state)), JSON.stringify(full), { ttlMs: stateTtlMs }),
        'storing sign-in state',
      );
    },

    /**
     * Checks the browser binding, spends the state, and turns the provider's `error` parameter
     * into `ACCESS_DENIED` or `PROVIDER_ERROR`. Answers the state, its record and the provider's
     * parameters (without the binding).
     */
    async spend(
      provider: string,
      callbackParams: Readonly<Record<string, string>>,
    ): Promise<{ state: string; record: SignInState; params: Record<string, string> }> {
      const { [oidcBindingParam]: binding, ...params } = callbackParams;
      const state = params.state;
      if (!state) throw new AuthError({ code: 'INVALID_TOKEN', message: 'the callback has no state' });
      // Checked before the state is spent, so that a refused callback leaves the real browser's sign-in intact.
      if (!bindingMatches(binding, state)) {
        throw new AuthError({
          code: 'INVALID_TOKEN',
          message:
            binding === undefined
              ? 'the sign-in has no binding cookie (pass oidcCallbackParams(query, cookieHeader)): start again'
              : 'the sign-in was started in another browser: start again',
        });
      }
      const key = keys.oidcState(tokenHash(state));
      const raw = await must(kv.get(key), 'reading sign-in state');
      const record = readRecord<SignInState>(raw, (r) => typeof r.cv === 'string');
      // Compare-and-swap to nothing: of two callbacks with one state, exactly one gets it.
      if (!record || !(await must(kv.compareAndSwap(key, raw, undefined), 'spending sign-in state'))) {
        throw new AuthError({
          code: 'INVALID_TOKEN',
          message: 'the sign-in state is unknown, used or expired: start again',
        });
      }
      if (record.p !== provider)
        throw new AuthError({ code: 'INVALID_TOKEN', message: `the sign-in state belongs to provider '${record.p}'` });
      if (clock.now() >= record.ca + stateTtlMs)
        throw new AuthError({ code: 'EXPIRED', message: 'the sign-in took too long: start again' });
      if (params.error) {
        const message = `${provider}: ${params.error}${params.error_description ? `: ${params.error_description}` : ''}`;
        throw new AuthError({ code: params.error === 'access_denied' ? 'ACCESS_DENIED' : 'PROVIDER_ERROR', message });
      }
      return { state, record, params };
    },
  };
}

export type SignInStates = ReturnType<typeof createSignInStates>;
