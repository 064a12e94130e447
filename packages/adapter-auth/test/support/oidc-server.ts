// A real OpenID Provider (panva's certified oidc-provider) on 127.0.0.1 for the tests, with an
// interaction handler that signs in whichever test account `signInAs` names, and a browser
// stand-in that follows redirects with cookies up to the app's callback.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';
import type { OidcProviderOptions } from '../../src/index.js';

export interface TestAccount {
  readonly sub: string;
  readonly email?: string;
  readonly email_verified?: boolean;
}

export interface OidcServer {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUri: string;
  readonly postLogoutRedirectUri: string;
  readonly accounts: Map<string, TestAccount>;
  /** Paths the server takes requests for and never answers (a provider that hangs), e.g. `/token`. */
  readonly stall: Set<string>;
  /** The account the next interaction signs in, or `deny` to refuse the request. */
  signInAs: string | 'deny';
  /** Follows the authorization URL like a browser; the callback's query parameters. */
  authorize(url: string): Promise<Record<string, string>>;
  close(): Promise<void>;
}

export async function startOidcServer(): Promise<OidcServer> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const accounts = new Map<string, TestAccount>();
  const redirectUri = 'http://127.0.0.1/auth/callback';
  const postLogoutRedirectUri = 'http://127.0.0.1/signed-out';
  const clientId = 'keel-app';
  const clientSecret = 'a-client-secret-of-at-least-32-characters';
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [redirectUri],
        post_logout_redirect_uris: [postLogoutRedirectUri],
      },
    ],
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'test-key-1', alg: 'RS256', use: 'sig' }] },
    cookies: { keys: ['cookie-signing-key-for-tests'] },
    features: { devInteractions: { enabled: false } },
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    pkce: { required: () => true },
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 600, Grant: 600 },
    findAccount: async (_ctx: unknown, sub: string) => {
      const account = accounts.get(sub);
      return account && { accountId: sub, claims: async () => ({ ...account }) };
    },
  });
  const handle = provider.callback();
  const state = { signInAs: 'deny' as string };
  const stall = new Set<string>();
  server.on('request', (req, res) => {
    if (stall.has(new URL(req.url ?? '/', issuer).pathname)) return; // answered by close()'s closeAllConnections
    if (!req.url?.startsWith('/interaction/')) return handle(req, res);
    void (async () => {
      const details = await provider.interactionDetails(req, res);
      if (state.signInAs === 'deny') {
        await provider.interactionFinished(
          req,
          res,
          { error: 'access_denied', error_description: 'the user said no' },
          { mergeWithLastSubmission: false },
        );
        return;
      }
      const grant = new provider.Grant({ accountId: state.signInAs, clientId: details.params.client_id as string });
      grant.addOIDCScope(details.params.scope as string);
      const grantId = await grant.save();
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: state.signInAs }, consent: { grantId } },
        { mergeWithLastSubmission: false },
      );
    })().catch((error: unknown) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  });

  return {
    issuer,
    clientId,
    clientSecret,
    redirectUri,
    postLogoutRedirectUri,
    accounts,
    stall,
    get signInAs() {
      return state.signInAs;
    },
    set signInAs(value: string) {
      state.signInAs = value;
    },
    async authorize(url) {
      const jar = new Map<string, string>();
      let next = url;
      for (let hop = 0; hop < 10; hop++) {
        const response = await fetch(next, {
          redirect: 'manual',
          headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
        });
        for (const cookie of response.headers.getSetCookie()) {
          const [pair = ''] = cookie.split(';');
          const eq = pair.indexOf('=');
          jar.set(pair.slice(0, eq), pair.slice(eq + 1));
        }
        const location = response.headers.get('location');
        if (!location)
          throw new Error(
            `the provider stopped at ${next} with ${response.status}: ${(await response.text()).slice(0, 300)}`,
          );
        const target = new URL(location, next);
        if (target.href.startsWith(redirectUri)) return Object.fromEntries(target.searchParams);
        next = target.href;
      }
      throw new Error('too many redirects');
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The provider options a test's auth uses for this server (`corp`, openid + email, plain HTTP). */
export function corpProvider(op: OidcServer, extra: Partial<OidcProviderOptions> = {}): OidcProviderOptions {
  return {
    name: 'corp',
    issuer: op.issuer,
    clientId: op.clientId,
    clientSecret: op.clientSecret,
    redirectUri: op.redirectUri,
    scopes: ['openid', 'email'],
    allowInsecureRequests: true,
    ...extra,
  };
}
