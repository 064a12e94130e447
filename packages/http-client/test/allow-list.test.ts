import { expectErr, expectOk } from '@keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowEntryProblem, allowList, createHttpClient } from '../src/index.js';
import { type LocalServer, startLocalServer } from './support/local-server.js';

describe('allowList', () => {
  const allows = allowList([
    'api.example.com',
    'http://127.0.0.1:8080',
    '*.internal.example',
    'https://[::1]:8443',
    'HTTP://Mixed.Example:80',
  ]);
  const cases: [string, boolean][] = [
    ['https://api.example.com/v1', true],
    ['https://API.Example.com:443/v1', true],
    ['http://api.example.com/', false], // no scheme in the entry: https only
    ['https://api.example.com:8443/', false], // no port in the entry: the default only
    ['https://api.example.com.evil.net/', false],
    ['https://evil.net/api.example.com', false],
    ['https://evilapi.example.com/', false],
    ['https://api.example.com@evil.net/', false], // userinfo: the host is evil.net
    ['http://127.0.0.1:8080/', true],
    ['http://127.1:8080/', true], // the same address, as fetch would send it
    ['http://2130706433:8080/', true],
    ['http://0x7f.0.0.1:8080/', true],
    ['http://127.0.0.2:8080/', false],
    ['http://localhost:8080/', false],
    ['https://127.0.0.1:8080/', false],
    ['https://a.internal.example/', true],
    ['https://a.b.internal.example/', true],
    ['https://internal.example/', false], // *.domain is for names under it
    ['https://xinternal.example/', false],
    ['https://[::1]:8443/', true],
    ['https://[0:0:0:0:0:0:0:1]:8443/', true],
    ['http://mixed.example/', true],
    ['ftp://api.example.com/', false],
  ];
  it.each(cases)('%s → %s', (url, expected) => {
    expect(allows(new URL(url))).toBe(expected);
  });

  it('names what is wrong with an entry', () => {
    expect(allowEntryProblem('https://api.example.com/path')).toMatch(/is not a host/);
    expect(allowEntryProblem('*.[::1]')).toMatch(/takes no/);
    expect(allowEntryProblem('example.com:70000')).toMatch(/port/);
    expect(allowEntryProblem('user@example.com')).toMatch(/is not a host/);
    expect(allowEntryProblem('example.com:8080')).toBeUndefined();
    expect(() => createHttpClient({ allow: [] })).toThrow(/allow: expected at least one allowed host/);
    expect(() => createHttpClient({ allow: ['ok.example', 'http://x/y'] })).toThrow(
      /allow.*'http:\/\/x\/y' is not a host/s,
    );
  });
});

describe('a client outside its allow-list', () => {
  let allowed: LocalServer;
  let other: LocalServer;
  beforeAll(async () => {
    other = await startLocalServer((_req, res) => {
      res.end('you should not see this');
    });
    allowed = await startLocalServer((req, res) => {
      const to = req.url?.slice('/to/'.length) ?? '';
      if (req.url?.startsWith('/to/')) {
        res.writeHead(302, { location: decodeURIComponent(to) }).end();
        return;
      }
      res.end(`here: ${req.url}`);
    });
  });
  afterAll(async () => {
    await allowed.close();
    await other.close();
  });
  const client = () => createHttpClient({ allow: [`http://127.0.0.1:${allowed.port}`], retry: false });

  it('refuses URLs outside it with NOT_ALLOWED and sends nothing', async () => {
    const http = client();
    for (const url of [
      other.origin,
      `http://localhost:${allowed.port}/`, // the same server by another name is not on the list
      `http://127.0.0.1:${other.port}/`,
      `https://127.0.0.1:${allowed.port}/`,
    ]) {
      expectErr(await http.get(url), 'NOT_ALLOWED');
    }
    expect(other.seen).toEqual([]);
    expect(allowed.seen).toEqual([]);
  });

  it('refuses a user name in the URL, whichever side the allowed host is on', async () => {
    const http = client();
    expectErr(await http.get(`http://127.0.0.1:${allowed.port}@127.0.0.1:${other.port}/`), 'INVALID_URL');
    expectErr(await http.get(`http://user:pw@127.0.0.1:${allowed.port}/`), 'INVALID_URL');
    expectErr(await http.get('not a url'), 'INVALID_URL');
    expectErr(await http.get('file:///etc/passwd'), 'INVALID_URL');
    expect(other.seen).toEqual([]);
    expect(allowed.seen).toEqual([]);
  });

  it('follows a redirect inside the list and refuses one out of it, at every hop', async () => {
    const http = client();
    const inside = expectOk(await http.get(`${allowed.origin}/to/${encodeURIComponent('/landing')}`));
    expect([inside.status, inside.text(), inside.url]).toEqual([200, 'here: /landing', `${allowed.origin}/landing`]);
    const out = expectErr(
      await http.get(`${allowed.origin}/to/${encodeURIComponent(`${other.origin}/x`)}`),
      'NOT_ALLOWED',
    );
    expect(out.url).toBe(`${other.origin}/x`);
    // Two hops: the first stays inside, the second leaves.
    const second = encodeURIComponent(`/to/${encodeURIComponent(`${other.origin}/y`)}`);
    expectErr(await http.get(`${allowed.origin}/to/${second}`), 'NOT_ALLOWED');
    const userinfo = encodeURIComponent(`http://u@127.0.0.1:${allowed.port}/landing`);
    expectErr(await http.get(`${allowed.origin}/to/${userinfo}`), 'NOT_ALLOWED');
    expect(other.seen).toEqual([]);
  });

  it('stops after maxRedirects', async () => {
    const http = createHttpClient({ allow: [`http://127.0.0.1:${allowed.port}`], maxRedirects: 1, retry: false });
    const twice = encodeURIComponent(`/to/${encodeURIComponent('/landing')}`);
    expectErr(await http.get(`${allowed.origin}/to/${twice}`), 'TOO_MANY_REDIRECTS');
  });
});
