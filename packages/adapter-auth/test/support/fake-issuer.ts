// A minimal OpenID Provider on 127.0.0.1 whose token endpoint answers with whatever ID token the
// test makes: forged, expired, misdirected, unsigned. It stands in for a compromised or buggy
// provider, or a man in the middle, where the real oidc-provider would never misbehave.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';

export interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

export interface IdTokenRequest {
  readonly issuer: string;
  readonly clientId: string;
  readonly nonce: string;
}

export interface FakeIssuer {
  readonly issuer: string;
  readonly clientId: string;
  /** Published at jwks_uri. */
  published: SigningKey[];
  /** `id_token_signing_alg_values_supported` in the discovery document. */
  algorithms: string[];
  /** Makes the ID token for the next code exchange. */
  idToken: (request: IdTokenRequest) => Promise<string>;
  /** When set, the token endpoint answers this instead. */
  tokenError: { status: number; body: Record<string, string> } | undefined;
  jwksFetches: number;
  /** Registers a code for the nonce of an authorization URL; returns the callback parameters. */
  callback(authorizationUrl: string): Record<string, string>;
  close(): Promise<void>;
}

export async function newSigningKey(kid: string, alg = 'RS256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/** A well-formed ID token, signed with `key`; `claims` override or remove (undefined) any claim. */
export async function signIdToken(
  key: SigningKey,
  request: IdTokenRequest,
  claims: Record<string, unknown> = {},
  alg = 'RS256',
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = {
    iss: request.issuer,
    aud: request.clientId,
    sub: 'fake-user',
    nonce: request.nonce,
    iat: now,
    exp: now + 300,
    email: 'fake@example.com',
    email_verified: true,
    ...claims,
  };
  for (const [k, v] of Object.entries(payload)) if (v === undefined) delete payload[k];
  return new SignJWT(payload).setProtectedHeader({ alg, kid: key.kid }).sign(key.privateKey);
}

export async function startFakeIssuer(first: SigningKey): Promise<FakeIssuer> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const codes = new Map<string, string>();
  const fake: FakeIssuer = {
    issuer,
    clientId: 'fake-client',
    published: [first],
    algorithms: ['RS256'],
    idToken: (request) => signIdToken(first, request),
    tokenError: undefined,
    jwksFetches: 0,
    callback(authorizationUrl) {
      const url = new URL(authorizationUrl);
      const code = `code-${codes.size}-${Math.random().toString(36).slice(2)}`;
      codes.set(code, url.searchParams.get('nonce') as string);
      return { code, state: url.searchParams.get('state') as string };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const json = (res: import('node:http').ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  server.on('request', (req, res) => {
    const path = new URL(req.url ?? '/', issuer).pathname;
    if (path === '/.well-known/openid-configuration') {
      return json(res, 200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        userinfo_endpoint: `${issuer}/userinfo`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: fake.algorithms,
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['client_secret_basic'],
      });
    }
    if (path === '/jwks') {
      fake.jwksFetches++;
      return json(res, 200, { keys: fake.published.map((k) => k.publicJwk) });
    }
    if (path === '/userinfo')
      return json(res, 200, { sub: 'fake-user', email: 'fake@example.com', email_verified: true });
    if (path === '/token') {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const form = new URLSearchParams(body);
        const nonce = codes.get(form.get('code') ?? '');
        if (fake.tokenError) return json(res, fake.tokenError.status, fake.tokenError.body);
        if (nonce === undefined || !form.get('code_verifier')) return json(res, 400, { error: 'invalid_grant' });
        codes.delete(form.get('code') as string);
        fake.idToken({ issuer, clientId: fake.clientId, nonce }).then(
          (idToken) =>
            json(res, 200, {
              access_token: 'fake-access-token',
              token_type: 'Bearer',
              expires_in: 300,
              id_token: idToken,
            }),
          (error: unknown) => json(res, 500, { error: 'server_error', error_description: String(error) }),
        );
      });
      return;
    }
    json(res, 404, { error: 'not_found' });
  });
  return fake;
}
