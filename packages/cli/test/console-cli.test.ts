import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteSql } from '@keel/adapter-sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { versioned } from '../../component-registry/test/support/versioned.js';
import { type ConsoleFixture, consoleFixture } from '../../console/test/support/console-fixture.js';
import { main } from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'keel-cli-console-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Runs `keel …` in `root` with `KEEL_TOKEN` set to `token` (or unset). */
async function keel(token: string | undefined, ...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    cwd: root,
    env: token === undefined ? {} : { KEEL_TOKEN: token },
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
  });
  return { code, stdout, stderr, json: () => JSON.parse(stdout.trim().split('\n').at(-1) ?? 'null') };
}

describe('keel component over the console API (--url)', () => {
  let f: ConsoleFixture;
  let url: string;
  beforeAll(async () => {
    f = await consoleFixture(createSqliteSql({ filename: join(root, 'app.sqlite') }));
    url = `${f.url}/console`;
    writeFileSync(join(root, 'one.wasm'), await versioned(1));
  });
  afterAll(() => f.close());

  it('pushes, lists, activates, pulls and reads the logs as the token’s user', async () => {
    const pushed = await keel(f.admin, 'component', 'push', 'one.wasm', 'tools/one@1.0.0', '--url', url, '--json');
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.json()).toMatchObject({ name: 'tools/one', version: '1.0.0', uploadedBy: 'ada@example.com' });
    const again = await keel(f.admin, 'component', 'push', 'one.wasm', 'tools/one@1.0.0', '--url', url);
    expect([again.code, again.stderr]).toEqual([1, expect.stringContaining('tools/one@1.0.0 already exists')]);

    const activated = await keel(f.admin, 'component', 'activate', 'tools/one@1.0.0', '--url', url, '--json');
    expect(activated.code, activated.stderr).toBe(0);
    expect((await f.registry.get('tools/one'))._unsafeUnwrap().active).toBe('1.0.0');
    const listed = await keel(f.viewer, 'component', 'list', '--url', url, '--search', 'tools', '--json');
    expect(listed.json()).toEqual([expect.objectContaining({ name: 'tools/one', active: '1.0.0', versionCount: 1 })]);

    const out = join(root, 'pulled.wasm');
    const pulled = await keel(f.viewer, 'component', 'pull', 'tools/one@1.0.0', '--url', url, '--out', out);
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(readFileSync(out)).toEqual(readFileSync(join(root, 'one.wasm')));

    expect((await f.registry.component('tools/one').call('version'))._unsafeUnwrap()).toBe(1);
    await f.executionLog.flush();
    const logs = await keel(f.viewer, 'component', 'logs', '--url', url, '--component', 'tools/one@1.0.0', '--json');
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.json()).toEqual([
      expect.objectContaining({ component: 'tools/one@1.0.0', export: 'version', outcome: 'ok' }),
    ]);
  });

  it('says what is wrong and how to fix it', async () => {
    const viewer = await keel(f.viewer, 'component', 'push', 'one.wasm', 'tools/two@1', '--url', url);
    expect(viewer.code).toBe(1);
    expect(viewer.stderr).toContain("fix: ask an admin for the permission 'components:write'");
    const noToken = await keel(undefined, 'component', 'list', '--url', url);
    expect([noToken.code, noToken.stderr]).toEqual([1, expect.stringContaining('fix: set KEEL_TOKEN')]);
    const badToken = await keel('nope', 'component', 'list', '--url', url, '--json');
    expect(badToken.json()).toMatchObject({ error: { code: 'INVALID_TOKEN' } });
    expect(badToken.stderr).toContain('fix: sign in again');
    const both = await keel(f.admin, 'component', 'list', '--url', url, '--db', join(root, 'x.db'));
    expect(both.stderr).toContain('--url and --db both given');
    const trust = await keel(f.admin, 'component', 'activate', 'tools/one@1.0.0', '--url', url, '--trust', 'ci=ci.pub');
    expect(trust.stderr).toContain('--trust is the server');
    const missing = await keel(f.viewer, 'component', 'pull', 'tools/none@1', '--url', url);
    expect([missing.code, missing.stderr]).toEqual([1, expect.stringContaining('does not exist')]);
    const port = await closedPort();
    const down = await keel(f.admin, 'component', 'list', '--url', `http://127.0.0.1:${port}/console`);
    expect([down.code, down.stderr]).toEqual([1, expect.stringContaining('did not answer')]);
    expect(down.stderr).toContain('fix: check --url');
  });
});

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
