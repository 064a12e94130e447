import { describeBuiltPackage } from '@keel/testing';

// The built package the way an app gets it: plain `node`, no source condition, so `@keel/console`
// and what it imports resolve to their `dist`. A viewer's upload is refused before any body is read.
const script = `
  import { createServer } from 'node:http';
  import { createLocalAuth } from '@keel/adapter-auth';
  import { createMemoryKv } from '@keel/adapter-kv-memory';
  import { createSqliteSql } from '@keel/adapter-sqlite';
  import { createComponentRegistry } from '@keel/component-registry';
  import { createConsole } from '@keel/console';
  import { createWasmHost } from '@keel/wasm-host';
  const sql = createSqliteSql({ filename: ':memory:' });
  const kv = createMemoryKv();
  const auth = createLocalAuth({ sql, kv, email: false, argon2: { memoryCost: 256, timeCost: 1, parallelism: 1 },
    roles: { viewer: ['components:read'] }, defaultRoles: ['viewer'] });
  const host = createWasmHost({ sql, kv }, { cacheDir: false });
  const registry = createComponentRegistry(sql, host);
  (await registry.migrate())._unsafeUnwrap();
  const api = createConsole({ auth, kv }, { registry });
  const server = createServer(api);
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = 'http://127.0.0.1:' + server.address().port;
  (await auth.register({ email: 'v@example.com', password: 'plum orbit granite 42' }))._unsafeUnwrap();
  const { token } = (await auth.login({ email: 'v@example.com', password: 'plum orbit granite 42' }))._unsafeUnwrap();
  const list = await fetch(base + '/api/modules', { headers: { authorization: 'Bearer ' + token } });
  const put = await fetch(base + '/api/modules/x/versions/1', { method: 'PUT',
    headers: { authorization: 'Bearer ' + token, 'content-type': 'application/wasm' }, body: 'x' });
  const anonymous = await fetch(base + '/api/modules');
  const workflows = await fetch(base + '/api/runs/00000000-0000-0000-0000-000000000000', { headers: { authorization: 'Bearer ' + token } });
  const doc = await (await fetch(base + '/openapi.json')).json();
  const page = await fetch(base + '/', { headers: { authorization: 'Bearer ' + token } });
  server.close();
  await registry.close(); await host.close(); await auth.close(); await sql.close();
  console.log(JSON.stringify({ list: await list.json(), put: (await put.json()).error.code, anonymous: anonymous.status,
    workflows: workflows.status, openapi: doc.openapi, dashboard: [page.status, page.headers.get('content-type')] }));`;

describeBuiltPackage({
  folder: new URL('..', import.meta.url),
  script,
  title: 'serves the API from plain node with the built packages',
  expected: {
    list: { items: [], cursor: null },
    put: 'FORBIDDEN',
    anonymous: 401,
    workflows: 403,
    openapi: '3.1.0',
    dashboard: [200, 'text/html; charset=utf-8'],
  },
});
