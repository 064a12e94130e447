import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteSql } from '@keel/adapter-sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { versioned } from '../../component-registry/test/support/versioned.js';
import { type ConsoleFixture, type Reply, consoleFixture } from './support/console-fixture.js';
import { formBody } from './support/forms.js';
import { schemaProblems } from './support/json-schema.js';

const dir = mkdtempSync(join(tmpdir(), 'keel-console-openapi-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Operation = { operationId: string; responses: Record<string, { content?: Record<string, { schema: unknown }> }> };

describe('the OpenAPI document', () => {
  let f: ConsoleFixture;
  let doc: { paths: Record<string, Record<string, Operation>> };
  beforeAll(async () => {
    f = await consoleFixture(createSqliteSql({ filename: join(dir, 'openapi.sqlite') }));
    doc = (await f.call('GET', '/console/openapi.json')).json;
    await f.call('PUT', '/console/api/modules/shown/versions/1', {
      token: f.admin,
      body: await versioned(1),
      headers: { 'content-type': 'application/wasm' },
    });
  });
  afterAll(() => f.close());

  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ path, method: method.toUpperCase(), op })),
    );

  /** A request to the operation with made-up parameters and the simplest body its media type takes. */
  const probe = async (path: string, method: string): Promise<Reply> => {
    const url = path
      .replace('{name}', 'probe')
      .replace('{version}', '1')
      .replace('{workflow}', 'probe')
      .replace('{id}', '00000000-0000-0000-0000-000000000000');
    if (url.endsWith('/api/modules') && method === 'POST') {
      const form = await formBody({ name: 'probe', version: '1' }, { name: 'module', bytes: Buffer.from('junk') });
      return f.call(method, url, { token: f.admin, body: form.body, headers: { 'content-type': form.contentType } });
    }
    if (method === 'PUT' && url.endsWith('/versions/1'))
      return f.call(method, url, { token: f.admin, body: 'junk', headers: { 'content-type': 'application/wasm' } });
    return f.call(method, url, { token: f.admin, ...(method === 'GET' || method === 'DELETE' ? {} : { json: {} }) });
  };

  it('documents exactly the routes the handler serves, and every answer is a documented status', async () => {
    const documented = operations()
      .map((o) => `${o.method} ${o.path.replace('/console', '')}`)
      .sort();
    expect(documented).toEqual([...f.api.routes].sort());
    for (const { path, method, op } of operations()) {
      const r = await probe(path, method);
      expect([method, path, r.json?.error?.code]).not.toEqual([method, path, 'ROUTE_NOT_FOUND']);
      expect([method, path, Object.keys(op.responses)]).toEqual([
        method,
        path,
        expect.arrayContaining([String(r.status)]),
      ]);
      if (r.status >= 400) expect(schemaProblems(r.json, { $ref: '#/components/schemas/Error' }, doc)).toEqual([]);
    }
  });

  it('routes not in the document are not served', async () => {
    for (const [method, path] of [
      ['GET', '/console/api'],
      ['GET', '/console/api/modules/shown/versions'],
      ['POST', '/console/api/modules/shown/versions/1'],
      ['GET', '/console/api/workflows'],
      ['GET', '/console/openapi.yaml'],
    ] as const) {
      const r = await f.call(method, path, { token: f.admin });
      expect([method, path, r.status]).toEqual([method, path, expect.toSatisfy((s: number) => s === 404 || s === 405)]);
    }
  });

  it('describes what the routes answer: responses validate against their schemas', async () => {
    const check = async (
      method: string,
      path: string,
      status: number,
      o: Parameters<ConsoleFixture['call']>[2] = {},
    ) => {
      const r = await f.call(method, `/console${path}`, { token: f.admin, ...o });
      expect(r.status, r.body.toString()).toBe(status);
      const template = Object.keys(doc.paths).find((p) =>
        new RegExp(`^${p.replace(/\{\w+\}/g, '[^/]+')}$`).test(`/console${path.split('?')[0]}`),
      ) as string;
      const schema =
        doc.paths[template]?.[method.toLowerCase()]?.responses[status]?.content?.['application/json']?.schema;
      expect(schemaProblems(r.json, schema, doc)).toEqual([]);
    };
    await check('GET', '/api/modules', 200);
    await check('GET', '/api/modules/shown', 200);
    await check('GET', '/api/modules/shown/versions/1', 200);
    await check('POST', '/api/modules/shown/activate', 200, { json: { version: '1' } });
    await check('GET', '/api/modules/shown/history', 200);
    await check('GET', '/api/session', 200);
    await f.registry.component('shown').call('version');
    await f.executionLog.flush();
    await check('GET', '/api/executions?module=shown', 200);
    expect(
      (
        await f.call('PUT', '/console/api/workflows/one', {
          token: f.admin,
          json: { steps: { a: { component: 'shown', export: 'version' } } },
        })
      ).status,
    ).toBe(200);
    const run = await f.call('POST', '/console/api/workflows/one/runs', { token: f.admin, json: { input: null } });
    await f.workflows.wait(run.json.id);
    await check('GET', `/api/runs/${run.json.id}`, 200);
  });

  it('catches a response that drifts from its schema (the validator is not blind)', () => {
    const schema = { $ref: '#/components/schemas/ModuleSummary' };
    const good = {
      name: 'a',
      active: null,
      previous: null,
      canary: null,
      versionCount: 1,
      lastUploadAt: new Date().toISOString(),
    };
    expect(schemaProblems(good, schema, doc)).toEqual([]);
    expect(schemaProblems({ ...good, active: undefined }, schema, doc)).not.toEqual([]);
    expect(schemaProblems({ ...good, versionCount: '1' }, schema, doc)).not.toEqual([]);
  });
});
