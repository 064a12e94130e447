// Issue 13, item 11: a session cookie with a malformed percent-encoding (`%E0%A4%A`) made
// `readCookie` throw (decodeURIComponent), which an app's request handler turned into a 500 with
// a stack trace. It must read as "no session". Checked through a real HTTP server on 127.0.0.1
// that does what the README shows, and with fast-check over random Cookie headers.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expectOk } from '@keel/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCookie, sessionCookie, sessionCookieDefaults } from '../src/index.js';
import { createFixture, disposeFixtures, type Fixture } from './support/fixture.js';

const MALFORMED = ['%E0%A4%A', '%', '%%', 'abc%', '%ZZ', '%E0%A4', '%C0%80', '%ED%A0%80', '%FF', 'ok%2'];

let f: Fixture;
let server: Server;
let base: string;

beforeAll(async () => {
  f = await createFixture();
  // The README's "every request" handler; whatever it throws becomes a 500, as in most frameworks.
  server = createServer((req, res) => {
    void (async () => {
      const token = readCookie(req.headers.cookie, sessionCookieDefaults.name);
      const principal = await f.auth.verifySession(token ?? '');
      res.statusCode = principal.isOk() ? 200 : 401;
      res.end(principal.isOk() ? principal.value.email : principal.error.code);
    })().catch((error: unknown) => {
      res.statusCode = 500;
      res.end((error as Error).stack);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await disposeFixtures();
});

const cookiePair = (setCookie: string) => setCookie.split(';')[0] as string;

describe('reading cookies', () => {
  it('answers a malformed session cookie with "no session" (401), never a 500', async () => {
    expectOk(await f.auth.register({ email: 'ada@example.com', password: 'the right passphrase 1' }));
    const session = expectOk(await f.auth.login({ email: 'ada@example.com', password: 'the right passphrase 1' }));
    const good = await fetch(base, {
      headers: { cookie: cookiePair(sessionCookie(session.token, session.expiresAt)) },
    });
    expect([good.status, await good.text()]).toEqual([200, 'ada@example.com']);

    for (const value of MALFORMED) {
      const response = await fetch(base, { headers: { cookie: `theme=dark; __Host-session=${value}; b=2` } });
      expect([value, response.status, await response.text()]).toEqual([value, 401, 'INVALID_TOKEN']);
    }
  });

  it('never throws on any Cookie header, and reads back every value sessionCookie wrote', () => {
    const piece = fc.oneof(
      fc.constantFrom(...MALFORMED, ';', '=', ' ', '__Host-session', '__Host-session='),
      fc.string(),
      fc.string({ unit: 'grapheme' }),
    );
    const name = fc.oneof(fc.constant('__Host-session'), fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), name, (pieces, cookieName) => {
        const read = readCookie(pieces.join(''), cookieName);
        expect(read === undefined || typeof read === 'string').toBe(true);
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (value, other) => {
        const header = `x=${encodeURIComponent(other)}; ${cookiePair(sessionCookie(value, Date.now() + 60_000))}`;
        expect(readCookie(header, '__Host-session')).toBe(value);
      }),
    );
  });
});
