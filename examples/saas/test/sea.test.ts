import type { ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import manifest from '../components/manifest.json' with { type: 'json' };
import { buildSaasSea } from '../scripts/build-sea.js';
import { startServer, stopServer } from '../scripts/processes.js';
import { Client, eventually, newEmail } from './client.js';

const startBinary = (binary: string, dir: string) =>
  startServer(binary, [], dir, { PORT: '0', HOME: dir, KEEL_SEA_CACHE: join(dir, '.cache') });
const stopBinary = stopServer;

describe('the single executable', () => {
  let buildDir: string;
  let runDir: string;
  let binary: string;
  let running: ChildProcess | undefined;

  beforeAll(async () => {
    buildDir = mkdtempSync(join(tmpdir(), 'keel-saas-sea-build-'));
    runDir = mkdtempSync(join(tmpdir(), 'keel-saas-sea-run-'));
    const built = await buildSaasSea(join(buildDir, 'keel-saas'));
    // keel sea transpiled the components for the executable, which carries no jco.
    const names = ['plan-limit', 'task-validate', 'task-route', 'task-enrich'] as const;
    expect(built.components).toEqual(
      names.map((name) => ({ asset: `components/${name}.wasm`, sha256: manifest[name].sha256 })),
    );
    // The binary alone in an empty folder.
    binary = join(runDir, 'keel-saas');
    copyFileSync(built.out, binary);
    rmSync(buildDir, { recursive: true, force: true });
  }, 120_000);

  afterAll(async () => {
    if (running) await stopBinary(running);
    rmSync(runDir, { recursive: true, force: true });
  });

  it('runs alone in an empty folder and keeps its data across a restart', async () => {
    expect(readdirSync(runDir)).toEqual(['keel-saas']);
    // A stripped copy of the Node that built it, plus the app: its size follows the Node line.
    expect(statSync(binary).size).toBeLessThan(statSync(process.execPath).size + 10 * 1024 * 1024);
    const email = newEmail('sea');
    const password = 'plum orbit granite 42';

    let started = await startBinary(binary, runDir);
    running = started.child;
    const client = new Client(started.url);
    expect((await client.get('/health')).body).toEqual({ ok: true });
    const { workspaceId } = await client.signup(email, password);
    for (const title of ['one', 'two', 'three'])
      expect((await client.post(`/api/workspaces/${workspaceId}/tasks`, { title })).status).toBe(201);
    // The intake workflow's components, kept in the database by the registry, load from the
    // artifacts embedded in the binary too.
    const intake = await eventually(async () => {
      const res = await client.get(`/api/workspaces/${workspaceId}/tasks/1/intake`);
      return res.body.state === 'completed' ? res.body : undefined;
    }, 30_000);
    expect(intake.context).toMatchObject({ label: 'low' });
    // The plan rule ran as the WebAssembly component inside the binary: pinned, in its own
    // worker, transpiled at build time (`embedded`), each call recorded by the host.
    const rule = await client.get('/api/rules/log');
    expect(rule.body.rule).toMatchObject({
      kind: 'wasm',
      id: 'plan-limit',
      sha256: manifest['plan-limit'].sha256,
      mode: 'isolated',
      loadedFrom: 'embedded',
    });
    expect(
      rule.body.entries.map((e: { input: { taskCount: number }; decision: { allowed: boolean } }) => [
        e.input.taskCount,
        e.decision.allowed,
      ]),
    ).toEqual([
      [2, true],
      [1, true],
      [0, true],
    ]);
    expect(rule.body.executions).toHaveLength(3);
    for (const record of rule.body.executions) {
      expect(record).toMatchObject({
        component: 'plan-limit',
        hash: manifest['plan-limit'].sha256,
        export: 'allowed',
        mode: 'isolated',
        outcome: 'ok',
      });
    }
    expect(await stopBinary(started.child)).toBe(0);
    expect(readdirSync(join(runDir, '.keel-data')).sort()).toEqual(expect.arrayContaining(['app.db', 'kv', 'mail']));
    // The component came from inside the executable: nothing was transpiled into a cache folder.
    expect(readdirSync(join(runDir, '.keel-data'))).not.toContain('wasm-cache');

    started = await startBinary(binary, runDir);
    running = started.child;
    const again = new Client(started.url);
    expect((await again.post('/api/login', { email, password })).status).toBe(200);
    const tasks = await again.get(`/api/workspaces/${workspaceId}/tasks`);
    expect(tasks.body.tasks.map((t: { title: string }) => t.title)).toEqual(['one', 'two', 'three']);
    expect((await again.get('/api/rules/log')).body.rule).toMatchObject({ kind: 'wasm', loadedFrom: 'embedded' });
    const outbox = await again.get('/api/outbox');
    // The verification mail of the sign-up, and the welcome mail of the first sign-in: both sent.
    expect(outbox.body.messages).toMatchObject([
      { subject: 'Welcome to Keel SaaS', status: 'sent' },
      { subject: 'Confirm your email for Keel SaaS', status: 'sent' },
    ]);
    expect(await stopBinary(started.child)).toBe(0);
    running = undefined;
  }, 60_000);
});
