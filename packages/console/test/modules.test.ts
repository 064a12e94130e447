import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabases, versioned } from '../../component-registry/test/support/versioned.js';
import { type ConsoleFixture, consoleFixture } from './support/console-fixture.js';
import { fixturePath, formBody } from './support/forms.js';

const dbs = await testDatabases('console-modules');
afterAll(() => dbs.cleanup());

describe.each(dbs.targets)('modules through the API on $name', ({ open }) => {
  let f: ConsoleFixture;
  beforeAll(async () => {
    f = await consoleFixture(open());
  });
  afterAll(() => f.close());

  const wasm = (token: string, path: string, bytes: Uint8Array) =>
    f.call('PUT', path, { token, body: bytes, headers: { 'content-type': 'application/wasm' } });

  it('uploads (raw and multipart), lists, gets, activates, rolls back, downloads and deletes', async () => {
    const one = await wasm(f.admin, '/console/api/modules/billing/versions/1.0.0', await versioned(1));
    expect(one.status, one.body.toString()).toBe(201);
    expect(one.json).toMatchObject({ name: 'billing', version: '1.0.0', uploadedBy: 'ada@example.com', grants: {} });
    const form = await formBody({ name: 'billing', version: '2.0.0' }, { name: 'module', bytes: await versioned(2) });
    const two = await f.call('POST', '/console/api/modules', {
      token: f.admin,
      body: form.body,
      headers: { 'content-type': form.contentType },
    });
    expect(two.status, two.body.toString()).toBe(201);
    expect(two.json.exports).toEqual(expect.arrayContaining(['version']));

    const listed = await f.call('GET', '/console/api/modules?search=bill&limit=1', { token: f.viewer });
    expect(listed.status).toBe(200);
    expect(listed.json).toEqual({
      items: [expect.objectContaining({ name: 'billing', versionCount: 2, active: null })],
      cursor: null,
    });

    const activated = await f.call('POST', '/console/api/modules/billing/activate', {
      token: f.admin,
      json: { version: '1.0.0' },
    });
    expect(activated.status, activated.body.toString()).toBe(200);
    expect(activated.json.active).toBe('1.0.0');
    expect((await f.registry.component('billing').call('version'))._unsafeUnwrap()).toBe(1);
    await f.call('POST', '/console/api/modules/billing/activate', { token: f.admin, json: { version: '2.0.0' } });
    expect((await f.registry.component('billing').call('version'))._unsafeUnwrap()).toBe(2);

    const inUse = await f.call('DELETE', '/console/api/modules/billing/versions/2.0.0', { token: f.admin });
    expect([inUse.status, inUse.json.error.code]).toEqual([409, 'IN_USE']);
    const back = await f.call('POST', '/console/api/modules/billing/rollback', { token: f.admin });
    expect(back.json).toMatchObject({ active: '1.0.0', previous: '2.0.0' });

    const download = await f.call('GET', '/console/api/modules/billing/versions/2.0.0/wasm', { token: f.viewer });
    expect(download.status).toBe(200);
    expect(download.headers['content-type']).toBe('application/wasm');
    expect(Buffer.compare(download.body, Buffer.from(await versioned(2)))).toBe(0);

    const deleted = await f.call('DELETE', '/console/api/modules/billing/versions/2.0.0', { token: f.admin });
    expect(deleted.status).toBe(204);
    const module = await f.call('GET', '/console/api/modules/billing', { token: f.viewer });
    expect(module.json.versions.map((v: { version: string }) => v.version)).toEqual(['1.0.0']);
    const history = await f.call('GET', '/console/api/modules/billing/history', { token: f.viewer });
    expect(history.json.map((r: { action: string }) => r.action)).toEqual([
      'delete',
      'rollback',
      'activate',
      'activate',
      'upload',
      'upload',
    ]);
    expect(history.json[0].actor).toBe('ada@example.com');
  });

  it('pages the list with a cursor, and names with a / travel as %2F', async () => {
    for (const name of ['page/a', 'page/b', 'page/c'])
      expect(
        (await wasm(f.admin, `/console/api/modules/${encodeURIComponent(name)}/versions/1`, await versioned(1))).status,
      ).toBe(201);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { json: { items: { name: string }[]; cursor: string | null } } = await f.call(
        'GET',
        `/console/api/modules?search=page/&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        { token: f.viewer },
      );
      seen.push(...page.json.items.map((i) => i.name));
      cursor = page.json.cursor;
    } while (cursor);
    expect(seen).toEqual(['page/a', 'page/b', 'page/c']);
    expect((await f.call('GET', '/console/api/modules/page%2Fb', { token: f.viewer })).json.name).toBe('page/b');
  });

  it('updates grants; grants naming an unknown interface are refused, naming it, and change nothing', async () => {
    await wasm(f.admin, '/console/api/modules/grants-demo/versions/1', await versioned(1));
    const set = await f.call('PUT', '/console/api/modules/grants-demo/versions/1/grants', {
      token: f.admin,
      json: { kv: { prefix: 'demo:' } },
    });
    expect(set.status, set.body.toString()).toBe(200);
    expect(set.json.grants).toEqual({ kv: { prefix: 'demo:' } });
    const bad = await f.call('PUT', '/console/api/modules/grants-demo/versions/1/grants', {
      token: f.admin,
      json: { kv: { prefix: 'x:' }, teleport: true },
    });
    expect([bad.status, bad.json.error.code]).toEqual([400, 'INVALID_ARGUMENT']);
    expect(bad.json.error.message).toContain('teleport');
    const after = await f.call('GET', '/console/api/modules/grants-demo/versions/1', { token: f.viewer });
    expect(after.json.grants).toEqual({ kv: { prefix: 'demo:' } });
  });

  it('refuses a body that is not a component, of another world, of the wrong type or too large — storing nothing', async () => {
    const junk = await wasm(f.admin, '/console/api/modules/junk/versions/1', Buffer.from('not a component'));
    expect([junk.status, junk.json.error.code]).toEqual([400, 'MALFORMED']);
    const alien = await wasm(f.admin, '/console/api/modules/alien/versions/1', readFileSync(fixturePath('alien')));
    expect([alien.status, alien.json.error.code]).toEqual([400, 'NOT_APP_WORLD']);
    const typed = await f.call('PUT', '/console/api/modules/typed/versions/1', {
      token: f.admin,
      body: await versioned(1),
      headers: { 'content-type': 'text/plain' },
    });
    expect([typed.status, typed.json.error.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    const big = Buffer.alloc(200 * 1024, 1);
    const declared = await wasm(f.admin, '/console/api/modules/big/versions/1', big);
    expect([declared.status, declared.json.error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    // No Content-Length: the limit is met while streaming, and reading stops there.
    const chunked = await f.call('PUT', '/console/api/modules/big/versions/2', {
      token: f.admin,
      body: big,
      headers: { 'content-type': 'application/wasm', 'transfer-encoding': 'chunked' },
    });
    expect([chunked.status, chunked.json.error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    const bigForm = await formBody({ name: 'big', version: '3' }, { name: 'module', bytes: big });
    const formTooBig = await f.call('POST', '/console/api/modules', {
      token: f.admin,
      body: bigForm.body,
      headers: { 'content-type': bigForm.contentType, 'transfer-encoding': 'chunked' },
    });
    expect([formTooBig.status, formTooBig.json.error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    const noFile = await formBody({ name: 'nofile', version: '1' });
    const missing = await f.call('POST', '/console/api/modules', {
      token: f.admin,
      body: noFile.body,
      headers: { 'content-type': noFile.contentType },
    });
    expect([missing.status, missing.json.error.code]).toEqual([400, 'BAD_REQUEST']);
    for (const name of ['junk', 'alien', 'typed', 'big', 'nofile'])
      expect((await f.call('GET', `/console/api/modules/${name}`, { token: f.viewer })).status).toBe(404);
  });

  it('refuses path traversal and malformed names, versions and JSON with 400', async () => {
    const bytes = await versioned(1);
    for (const path of [
      '/console/api/modules/..%2F..%2Fetc/versions/1',
      '/console/api/modules/a%2F..%2Fb/versions/1',
      '/console/api/modules/a%2F%2Fb/versions/1',
      '/console/api/modules/Upper/versions/1',
      '/console/api/modules/ok/versions/..',
      '/console/api/modules/ok/versions/%E0%A4%A',
    ]) {
      const r = await wasm(f.admin, path, bytes);
      expect([path, r.status, r.json.error.code]).toEqual([path, 400, 'BAD_REQUEST']);
    }
    const traversal = await formBody({ name: 'x/../../y', version: '1' }, { name: 'module', bytes });
    const form = await f.call('POST', '/console/api/modules', {
      token: f.admin,
      body: traversal.body,
      headers: { 'content-type': traversal.contentType },
    });
    expect([form.status, form.json.error.code]).toEqual([400, 'BAD_REQUEST']);
    const malformed = await f.call('POST', '/console/api/modules/billing/activate', {
      token: f.admin,
      body: '{"version": ',
      headers: { 'content-type': 'application/json' },
    });
    expect([malformed.status, malformed.json.error.code]).toEqual([400, 'BAD_REQUEST']);
    const array = await f.call('PUT', '/console/api/modules/billing/versions/1.0.0/grants', {
      token: f.admin,
      json: [],
    });
    expect([array.status, array.json.error.code]).toEqual([400, 'BAD_REQUEST']);
    const notJson = await f.call('POST', '/console/api/modules/billing/activate', {
      token: f.admin,
      body: 'version=1',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect([notJson.status, notJson.json.error.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    const limit = await f.call('GET', '/console/api/modules?limit=0', { token: f.viewer });
    expect([limit.status, limit.json.error.code]).toEqual([400, 'BAD_REQUEST']);
  });

  it('answers 404 for unknown modules and routes, 405 with Allow, and hands other paths to next()', async () => {
    const none = await f.call('GET', '/console/api/modules/nothing-here', { token: f.viewer });
    expect([none.status, none.json.error.code]).toEqual([404, 'NOT_FOUND']);
    const route = await f.call('GET', '/console/api/nope', { token: f.viewer });
    expect([route.status, route.json.error.code]).toEqual([404, 'ROUTE_NOT_FOUND']);
    const method = await f.call('PATCH', '/console/api/modules', { token: f.admin });
    expect([method.status, method.json.error.code, method.headers.allow]).toEqual([
      405,
      'METHOD_NOT_ALLOWED',
      'GET, POST',
    ]);
    const app = await f.call('GET', '/elsewhere');
    expect([app.status, app.body.toString()]).toEqual([418, 'the app']);
  });
});
