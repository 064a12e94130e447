import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteSql } from '@keel/adapter-sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { versioned } from '../../component-registry/test/support/versioned.js';
import { type ConsoleFixture, consoleFixture } from './support/console-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'keel-console-security-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('authentication, roles, CSRF and the rate limit', () => {
  let f: ConsoleFixture;
  beforeAll(async () => {
    f = await consoleFixture(createSqliteSql({ filename: join(dir, 'security.sqlite') }));
    const put = await f.call('PUT', '/console/api/modules/guarded/versions/1', {
      token: f.admin,
      body: await versioned(1),
      headers: { 'content-type': 'application/wasm' },
    });
    expect(put.status).toBe(201);
  });
  afterAll(() => f.close());

  it('refuses requests without credentials (401) and with a malformed or unknown token (401)', async () => {
    const none = await f.call('GET', '/console/api/modules');
    expect([none.status, none.json.error.code]).toEqual([401, 'UNAUTHENTICATED']);
    const malformed = await f.call('GET', '/console/api/modules', { headers: { authorization: 'Basic YWRhOnB3' } });
    expect([malformed.status, malformed.json.error.code]).toEqual([401, 'INVALID_TOKEN']);
    const unknown = await f.call('GET', '/console/api/modules', { token: 'x'.repeat(43) });
    expect([unknown.status, unknown.json.error.code]).toEqual([401, 'INVALID_TOKEN']);
    const forged = await f.call('GET', '/console/api/modules', { token: 'a.b.c' });
    expect([forged.status, forged.json.error.code]).toEqual([401, 'INVALID_TOKEN']);
  });

  it('lets a viewer read and refuses every admin route with 403, changing nothing', async () => {
    expect((await f.call('GET', '/console/api/modules/guarded', { token: f.viewer })).status).toBe(200);
    const who = await f.call('GET', '/console/api/session', { token: f.viewer });
    expect(who.json).toMatchObject({ email: 'vic@example.com', roles: ['viewer'] });
    const attempts: [string, string, { json?: unknown; body?: Uint8Array; headers?: Record<string, string> }][] = [
      [
        'PUT',
        '/console/api/modules/guarded/versions/2',
        { body: await versioned(2), headers: { 'content-type': 'application/wasm' } },
      ],
      ['POST', '/console/api/modules/guarded/activate', { json: { version: '1' } }],
      ['POST', '/console/api/modules/guarded/rollback', {}],
      ['PUT', '/console/api/modules/guarded/versions/1/grants', { json: { kv: { prefix: '' } } }],
      ['PUT', '/console/api/modules/guarded/versions/1/limits', { json: { timeoutMs: 10 } }],
      ['DELETE', '/console/api/modules/guarded/versions/1', {}],
      ['PUT', '/console/api/workflows/w', { json: { steps: {} } }],
      ['POST', '/console/api/workflows/w/runs', { json: {} }],
    ];
    for (const [method, path, o] of attempts) {
      const r = await f.call(method, path, { token: f.viewer, ...o });
      expect([method, path, r.status, r.json.error.code]).toEqual([method, path, 403, 'FORBIDDEN']);
    }
    const after = await f.call('GET', '/console/api/modules/guarded', { token: f.admin });
    expect(after.json).toMatchObject({ active: null, versions: [{ version: '1', grants: {}, limits: {} }] });
  });

  it('checks the Origin of cookie-session requests that change something; bearer requests need none', async () => {
    const own = f.url;
    expect((await f.call('GET', '/console/api/modules', { cookie: f.admin })).status).toBe(200);
    const activate = (o: { cookie?: string; token?: string; origin?: string }) =>
      f.call('POST', '/console/api/modules/guarded/activate', { ...o, json: { version: '1' } });
    const missing = await activate({ cookie: f.admin });
    expect([missing.status, missing.json.error.code]).toEqual([403, 'CSRF']);
    const evil = await activate({ cookie: f.admin, origin: 'https://evil.example' });
    expect([evil.status, evil.json.error.code]).toEqual([403, 'CSRF']);
    const opaque = await activate({ cookie: f.admin, origin: 'null' });
    expect([opaque.status, opaque.json.error.code]).toEqual([403, 'CSRF']);
    expect((await f.call('GET', '/console/api/modules/guarded', { token: f.admin })).json.active).toBeNull();
    expect((await activate({ cookie: f.admin, origin: own })).status).toBe(200);
    expect((await activate({ token: f.admin })).status).toBe(200);
  });

  it('refuses an expired session with 401, and a revoked one', async () => {
    const ok = await f.call('GET', '/console/api/modules', { token: f.viewer });
    expect(ok.status).toBe(200);
    f.clock.advance(61_000); // past the idle timeout of the fixture's sessions
    const expired = await f.call('GET', '/console/api/modules', { token: f.viewer });
    expect([expired.status, expired.json.error.code]).toEqual([401, 'INVALID_TOKEN']);
    const admin = await f.call('GET', '/console/api/modules', { cookie: f.admin });
    expect([admin.status, admin.json.error.code]).toEqual([401, 'INVALID_TOKEN']);
  });

  it('serves the OpenAPI document without credentials', async () => {
    const doc = await f.call('GET', '/console/openapi.json');
    expect([doc.status, doc.json.openapi]).toEqual([200, '3.1.0']);
  });
});

describe('the rate limit', () => {
  it('answers 429 with Retry-After once a client used its allowance, before authenticating', async () => {
    const f = await consoleFixture(createSqliteSql({ filename: join(dir, 'limit.sqlite') }), {
      rateLimit: { limit: 3, intervalMs: 60_000 },
    });
    try {
      for (let i = 0; i < 3; i++)
        expect((await f.call('GET', '/console/api/modules', { token: f.viewer })).status).toBe(200);
      const limited = await f.call('GET', '/console/api/modules', { token: f.viewer });
      expect([limited.status, limited.json.error.code]).toEqual([429, 'RATE_LIMITED']);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      const anonymous = await f.call('GET', '/console/api/modules');
      expect(anonymous.status).toBe(429);
    } finally {
      await f.close();
    }
  });
});
