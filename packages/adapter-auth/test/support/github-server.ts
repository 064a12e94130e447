// A small server on 127.0.0.1 that speaks GitHub's documented OAuth and REST endpoints and JSON
// shapes (docs.github.com: "Authorizing OAuth apps", "REST API endpoints for users" and "for
// emails"), for the GitHub sign-in tests: /login/oauth/authorize (consent skipped: it redirects
// straight back for `signInAs`), /login/oauth/access_token (HTTP Basic client auth, single-use
// codes, PKCE S256, errors as 200 with `{ error }` as GitHub answers them), and under /api
// (as GitHub Enterprise Server has it): /user and /user/emails with the bearer token.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GithubProviderOptions } from '../../src/index.js';

export interface GithubAccount {
  readonly id: number;
  readonly login: string;
  readonly emails: readonly { email: string; primary: boolean; verified: boolean }[];
}

/** How the next token request goes wrong: an HTML error page, or no answer at all. */
export type TokenFault = 'error-page' | 'hang' | undefined;

export interface GithubServer {
  readonly baseUrl: string;
  readonly apiBaseUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUri: string;
  readonly accounts: Map<string, GithubAccount>;
  /** The account the next authorization signs in (by login), or `deny` (the user cancels). */
  signInAs: string;
  tokenFault: TokenFault;
  /** Token requests answered, by outcome; and the PKCE challenges seen at /authorize. */
  readonly seen: { tokens: number; tokenErrors: string[]; challenges: string[] };
  /** Follows the authorization URL like a browser; the callback's query parameters. */
  authorize(url: string): Promise<Record<string, string>>;
  close(): Promise<void>;
}

export async function startGithubServer(): Promise<GithubServer> {
  const clientId = 'Iv1.keeltestclient';
  const clientSecret = 'a-github-client-secret';
  const redirectUri = 'http://127.0.0.1/auth/github/callback';
  const accounts = new Map<string, GithubAccount>();
  const codes = new Map<string, { login: string; challenge: string; redirectUri: string }>();
  const tokens = new Map<string, string>();
  const seen = { tokens: 0, tokenErrors: [] as string[], challenges: [] as string[] };
  const control = { signInAs: 'deny', tokenFault: undefined as TokenFault };

  const server = createServer((req, res) => {
    void route(req, res).catch((error: unknown) => send(res, 500, { message: String(error) }));
  });

  async function route(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'GET' && url.pathname === '/login/oauth/authorize') return authorizePage(url, res);
    if (req.method === 'POST' && url.pathname === '/login/oauth/access_token') return token(req, res);
    if (req.method === 'GET' && (url.pathname === '/api/user' || url.pathname === '/api/user/emails')) {
      const login = tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
      const account = login === undefined ? undefined : accounts.get(login);
      if (!account)
        return send(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
      if (url.pathname === '/api/user/emails') {
        return send(
          res,
          200,
          account.emails.map((e) => ({ ...e, visibility: e.primary ? 'private' : null })),
        );
      }
      const primary = account.emails.find((e) => e.primary);
      return send(res, 200, {
        login: account.login,
        id: account.id,
        node_id: `U_${account.id}`,
        type: 'User',
        email: primary?.email ?? null,
      });
    }
    return send(res, 404, { message: 'Not Found' });
  }

  function authorizePage(url: URL, res: ServerResponse) {
    const params = url.searchParams;
    // A wrong client or callback gets GitHub's error page, not a redirect.
    if (params.get('client_id') !== clientId || params.get('redirect_uri') !== redirectUri) {
      res.writeHead(404, { 'Content-Type': 'text/html' }).end('<h1>404 - Page not found</h1>');
      return;
    }
    const back = new URL(redirectUri);
    if (control.signInAs === 'deny') {
      back.searchParams.set('error', 'access_denied');
      back.searchParams.set('error_description', 'The user has denied your application access.');
    } else {
      const code = randomBytes(10).toString('hex');
      const challenge = params.get('code_challenge') ?? '';
      if (params.get('code_challenge_method') === 'S256') seen.challenges.push(challenge);
      codes.set(code, { login: control.signInAs, challenge, redirectUri });
      back.searchParams.set('code', code);
    }
    back.searchParams.set('state', params.get('state') ?? '');
    res.writeHead(302, { Location: back.href }).end();
  }

  async function token(req: IncomingMessage, res: ServerResponse) {
    let body = '';
    for await (const chunk of req) body += chunk;
    const fault = control.tokenFault;
    control.tokenFault = undefined;
    if (fault === 'hang') return; // never answers; the server's close ends the connection
    if (fault === 'error-page') {
      res.writeHead(502, { 'Content-Type': 'text/html' }).end('<html><body><h1>Unicorn!</h1></body></html>');
      return;
    }
    const form = new URLSearchParams(body);
    const basic = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
    const error = (name: string, description: string) => {
      seen.tokenErrors.push(name);
      send(res, 200, { error: name, error_description: description, error_uri: 'https://docs.github.com/apps' });
    };
    if (basic !== `${clientId}:${clientSecret}`)
      return error('incorrect_client_credentials', 'The client_id and/or client_secret passed are incorrect.');
    const code = codes.get(form.get('code') ?? '');
    codes.delete(form.get('code') ?? ''); // single use, whatever happens next
    if (!code) return error('bad_verification_code', 'The code passed is incorrect or expired.');
    if (form.get('redirect_uri') !== code.redirectUri)
      return error(
        'redirect_uri_mismatch',
        'The redirect_uri MUST match the registered callback URL for this application.',
      );
    const verifier = form.get('code_verifier') ?? '';
    if (createHash('sha256').update(verifier).digest('base64url') !== code.challenge) {
      return error('bad_verification_code', 'The code_verifier does not match the code_challenge.');
    }
    const accessToken = `gho_${randomBytes(18).toString('hex')}`;
    tokens.set(accessToken, code.login);
    seen.tokens++;
    send(res, 200, { access_token: accessToken, token_type: 'bearer', scope: 'read:user,user:email' });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl,
    apiBaseUrl: `${baseUrl}/api`,
    clientId,
    clientSecret,
    redirectUri,
    accounts,
    seen,
    get signInAs() {
      return control.signInAs;
    },
    set signInAs(value: string) {
      control.signInAs = value;
    },
    get tokenFault() {
      return control.tokenFault;
    },
    set tokenFault(value: TokenFault) {
      control.tokenFault = value;
    },
    async authorize(url) {
      const response = await fetch(url, { redirect: 'manual' });
      const location = response.headers.get('location');
      if (!location) throw new Error(`GitHub stopped at ${url} with ${response.status}: ${await response.text()}`);
      return Object.fromEntries(new URL(location).searchParams);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The provider options a test's auth uses for this server (plain HTTP, both base URLs here). */
export function githubProvider(gh: GithubServer, extra: Partial<GithubProviderOptions> = {}): GithubProviderOptions {
  return {
    kind: 'github',
    clientId: gh.clientId,
    clientSecret: gh.clientSecret,
    redirectUri: gh.redirectUri,
    baseUrl: gh.baseUrl,
    apiBaseUrl: gh.apiBaseUrl,
    allowInsecureRequests: true,
    ...extra,
  };
}

function send(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}
