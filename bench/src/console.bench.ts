import { mkdtempSync, rmSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalAuth } from '@keel/adapter-auth';
import { createMemoryKv } from '@keel/adapter-kv-memory';
import { createSqliteSql } from '@keel/adapter-sqlite';
import { createComponentRegistry } from '@keel/component-registry';
import { createConsole } from '@keel/console';
import { createWasmHost } from '@keel/wasm-host';
import { compare } from './harness.js';

/**
 * What the console adds to a read: `GET /api/modules/{name}` (session check, permission,
 * rate limit, JSON) against a bare `node:http` server answering `registry.get` as JSON on the
 * same keep-alive loopback connection, and `registry.get` called directly. SQLite WAL file;
 * the module has one stored version (bytes of the registry's tests: any component will do).
 */
export async function run(): Promise<void> {
  const [one, five, fifteen] = loadavg().map((n) => n.toFixed(2));
  console.log(`\n## @keel/console — load average ${one} / ${five} / ${fifteen} (1/5/15 min)`);
  const folder = mkdtempSync(join(tmpdir(), 'keel-bench-console-'));
  const sql = createSqliteSql({ filename: join(folder, 'app.sqlite') });
  const kv = createMemoryKv();
  const auth = createLocalAuth({
    sql,
    kv,
    email: false,
    roles: { viewer: ['components:read'] },
    defaultRoles: ['viewer'],
  });
  const host = createWasmHost({ sql, kv }, { cacheDir: false });
  const registry = createComponentRegistry(sql, host);
  const servers: Server[] = [];
  try {
    (await registry.migrate())._unsafeUnwrap();
    const { parse, componentEmbed, componentNew } = await import('@bytecodealliance/jco-transpile/wasm-tools');
    const core = await parse('(module (func (export "version") (result i32) (i32.const 1)))');
    const world = 'package bench:c; world c { export version: func() -> u32; }';
    const bytes = await componentNew(await componentEmbed({ binary: core, witSource: world, world: 'c' }), []);
    (await registry.upload({ name: 'billing', version: '1.0.0', bytes }))._unsafeUnwrap();
    (await auth.register({ email: 'v@example.com', password: 'plum orbit granite 42' }))._unsafeUnwrap();
    const { token } = (await auth.login({ email: 'v@example.com', password: 'plum orbit granite 42' }))._unsafeUnwrap();

    const api = createConsole({ auth, kv }, { registry, rateLimit: { limit: 1_000_000, intervalMs: 60_000 } });
    const bare = createServer((_req, res) => {
      registry.get('billing').then((r) => {
        const text = JSON.stringify(r._unsafeUnwrap());
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      });
    });
    const listen = async (server: Server) => {
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    };
    const consoleUrl = `${await listen(createServer(api))}/api/modules/billing`;
    const bareUrl = `${await listen(bare)}/billing`;
    const headers = { authorization: `Bearer ${token}` };
    const get = async (url: string) => {
      const r = await fetch(url, { headers });
      if (r.status !== 200) throw new Error(`status ${r.status}`);
      await r.arrayBuffer();
    };
    await compare(
      'A module read',
      [
        { name: 'node:http + registry.get, JSON (no auth)', fn: () => get(bareUrl) },
        { name: '@keel/console GET /api/modules/{name} (bearer session)', fn: () => get(consoleUrl) },
        { name: 'registry.get, no HTTP', fn: () => registry.get('billing') },
      ],
      { checkEvery: 8 },
    );
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    await registry.close();
    await host.close();
    await auth.close();
    await sql.close();
    rmSync(folder, { recursive: true, force: true });
  }
}
