import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSqliteSql } from '@keel/adapter-sqlite';
import { createSqlExecutionLog, createWasmHost } from '@keel/wasm-host';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'keel-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Runs `keel …` in `cwd`, with what it printed. */
async function keel(cwd: string, ...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    cwd,
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
  });
  return { code, stdout, stderr, json: () => JSON.parse(stdout.trim().split('\n').at(-1) ?? 'null') };
}

describe('keel component, from a new project to the registry', () => {
  const project = join(root, 'greeter');
  const db = join(root, 'app.db');

  it('init, build and test a WAT component', async () => {
    const init = await keel(root, 'component', 'init', 'greeter', '--json');
    expect(init.code).toBe(0);
    expect(init.json().files).toEqual(
      expect.arrayContaining(['keel.component.json', 'wit/world.wit', 'src/component.wat']),
    );
    const built = await keel(project, 'component', 'build', '--json');
    expect(built.code, built.stderr).toBe(0);
    expect(built.stderr).toMatch(/Building greeter \(wat\) .*✓/s);
    expect(built.json()).toMatchObject({ bytes: expect.any(Number), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const ran = await keel(project, 'component', 'test', 'dist/greeter.wasm', 'greet', '"Ada"', '--json');
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.json()).toMatchObject({ ok: 'hello, Ada', record: { export: 'greet', outcome: 'ok' } });
    const human = await keel(project, 'component', 'test', 'dist/greeter.wasm', 'greet', '"Bo"');
    expect(human.stdout).toContain('→ "hello, Bo"');
  });

  it("the project's own test passes on what it built (node --test, @keel/wasm-host as its dependency)", async () => {
    // Inside this package, so that the project resolves @keel/wasm-host as an installed one would.
    const inside = mkdtempSync(join(fileURLToPath(new URL('.', import.meta.url)), '.project-'));
    try {
      expect((await keel(inside, 'component', 'init', 'own')).code).toBe(0);
      expect((await keel(join(inside, 'own'), 'component', 'build')).code).toBe(0);
      const run = spawnSync(process.execPath, ['--test', 'test/'], { cwd: join(inside, 'own'), encoding: 'utf8' });
      expect(run.status, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).toContain('# pass 1');
    } finally {
      rmSync(inside, { recursive: true, force: true });
    }
  });

  it('signs, pushes, lists, activates and pulls against an app database', async () => {
    const keys = await keel(root, 'component', 'keygen', '--out', 'ci');
    expect(keys.code, keys.stderr).toBe(0);
    expect((await keel(root, 'component', 'keygen', '--out', 'ci')).stderr).toContain('fix: choose another --out');
    const signed = await keel(project, 'component', 'sign', 'dist/greeter.wasm', '--key', '../ci.key');
    expect(signed.code, signed.stderr).toBe(0);
    const trust = ['--trust', 'ci=../ci.pub', '--db', db];
    const pushed = await keel(
      project,
      'component',
      'push',
      'dist/greeter.wasm',
      '--signature',
      'dist/greeter.wasm.sig',
      '--signer',
      'ci',
      ...trust,
      '--json',
    );
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.json()).toMatchObject({ name: 'greeter', version: '0.1.0', signer: 'ci' });
    const again = await keel(project, 'component', 'push', 'dist/greeter.wasm', ...trust);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('greeter@0.1.0 already exists');
    const activated = await keel(root, 'component', 'activate', 'greeter@0.1.0', '--db', db, '--trust', 'ci=ci.pub');
    expect(activated.code, activated.stderr).toBe(0);
    const listed = await keel(root, 'component', 'list', '--db', db, '--json');
    expect(listed.json()).toEqual([expect.objectContaining({ name: 'greeter', active: '0.1.0', versionCount: 1 })]);
    const out = join(root, 'pulled.wasm');
    const pulled = await keel(root, 'component', 'pull', 'greeter@0.1.0', '--db', db, '--out', out);
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(readFileSync(out)).toEqual(readFileSync(join(project, 'dist/greeter.wasm')));
  });

  it("shows the app's execution log", async () => {
    expect((await keel(root, 'component', 'logs', '--db', db)).stderr).toContain(
      'fix: the app keeps one with createSqlExecutionLog',
    );
    const sql = createSqliteSql({ filename: db });
    const executionLog = createSqlExecutionLog(sql);
    const host = createWasmHost({}, { cacheDir: false, executionLog });
    const component = (
      await host.load(readFileSync(join(project, 'dist/greeter.wasm')), { id: 'greeter@0.1.0' })
    )._unsafeUnwrap();
    (await component.call('greet', 'Cy'))._unsafeUnwrap();
    await executionLog.flush();
    await host.close();
    await sql.close();
    const shown = await keel(root, 'component', 'logs', '--db', db, '--component', 'greeter', '--json');
    expect(shown.json()).toEqual([
      expect.objectContaining({ component: 'greeter@0.1.0', export: 'greet', outcome: 'ok' }),
    ]);
  });

  it('a JavaScript project gets guest types from its world; building it asks for componentize-js by name', async () => {
    const init = await keel(root, 'component', 'init', 'js-greeter', '--template', 'js', '--json');
    expect(init.code, init.stderr).toBe(0);
    const types = readdirSync(join(root, 'js-greeter/types'), { recursive: true })
      .map(String)
      .filter((t) => t.endsWith('.d.ts'));
    const all = types.map((t) => readFileSync(join(root, 'js-greeter/types', t), 'utf8')).join('\n');
    expect(all).toContain('export function greet(name: string): string;');
    expect(all).toMatch(/export function write\(level: Level, message: string, fields: Array<Field>\): void;/);
    const built = await keel(join(root, 'js-greeter'), 'component', 'build');
    expect(built.code).toBe(1);
    expect(built.stderr).toContain('fix: npm install -D @bytecodealliance/componentize-js@0.23.0');
  });

  it('says what is wrong and how to fix it', async () => {
    expect((await keel(root, 'component', 'init', 'greeter')).stderr).toContain('greeter is not empty');
    expect((await keel(root, 'component', 'build')).stderr).toContain(
      'fix: run it in a folder made by `keel component init`',
    );
    const bad = await keel(project, 'component', 'test', 'dist/greeter.wasm', 'greet', 'Ada', '--json');
    expect(bad.json()).toMatchObject({
      error: { code: 'INVALID_ARGUMENT', fix: expect.stringContaining('quote strings') },
    });
    expect((await keel(project, 'component', 'test', 'dist/greeter.wasm', 'nope')).stderr).toContain('exports: greet');
    writeFileSync(join(root, 'junk.wasm'), 'junk');
    expect((await keel(root, 'component', 'push', 'junk.wasm', 'junk@1', '--db', db)).stderr).toContain(
      'not a WebAssembly',
    );
    expect((await keel(root, 'component', 'list')).stderr).toContain('fix: pass --db');
    expect((await keel(root, 'component', 'frobnicate')).code).toBe(2);
    expect((await keel(root, 'component', 'list', '--bogus')).code).toBe(2);
    expect((await keel(root)).stdout).toContain('keel component init');
    expect((await keel(root, 'sea')).code).toBe(2);
  });
});
