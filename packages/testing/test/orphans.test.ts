import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { privatePostgres, privateRedis } from '../src/index.js';
import { running } from './processes.js';

// A test process that forgets stop() must leave no server behind: on a normal exit or SIGTERM
// (how vitest ends its workers) hooks kill the servers and remove their folders; when it is
// SIGKILLed itself, the kernel kills them (setpriv --pdeathsig).
const skip = privatePostgres().skip ?? privateRedis().skip;
const root = fileURLToPath(new URL('../../..', import.meta.url));
const fixture = fileURLToPath(new URL('fixtures/forgetful.ts', import.meta.url));

interface Started {
  readonly pid: number;
  readonly dataDir: string;
}

describe.skipIf(skip)('servers a test forgot to stop', () => {
  it('are killed and their folders removed when the test process exits', async () => {
    const child = forgetful('exit');
    const started = await firstLine(child);
    expect(started.every((s) => running(s.pid))).toBe(true);
    child.stdin?.end();
    await new Promise((resolve) => child.once('exit', resolve));
    await until(() => started.every((s) => !running(s.pid)));
    expect(started.filter((s) => running(s.pid))).toEqual([]);
    expect(started.filter((s) => existsSync(s.dataDir))).toEqual([]);
  });

  it('are killed and their folders removed when the test process gets SIGTERM', async () => {
    const child = forgetful('hang');
    const started = await firstLine(child);
    expect(started.every((s) => running(s.pid))).toBe(true);
    child.kill('SIGTERM');
    const signal = await new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    expect(signal).toBe('SIGTERM');
    await until(() => started.every((s) => !running(s.pid)));
    expect(started.filter((s) => running(s.pid))).toEqual([]);
    expect(started.filter((s) => existsSync(s.dataDir))).toEqual([]);
  });

  it('die with the test process when it is SIGKILLed', async () => {
    const child = forgetful('hang');
    const started = await firstLine(child);
    expect(started.every((s) => running(s.pid))).toBe(true);
    child.kill('SIGKILL');
    await until(() => started.every((s) => !running(s.pid)));
    expect(started.filter((s) => running(s.pid))).toEqual([]);
    // Nothing ran in the killed process to remove its folder (`<tmp>/keel-servers-*/<server>/data`).
    const processFolder = dirname(dirname(started[0]!.dataDir));
    expect(processFolder).toMatch(/keel-servers-/);
    rmSync(processFolder, { recursive: true, force: true, maxRetries: 5 });
  });
});

function forgetful(mode: 'exit' | 'hang'): ChildProcess {
  // tsx as a loader, not its CLI: the CLI runs the script in a child process, which a signal
  // to the CLI would not reach.
  const args = ['--import', 'tsx', '--conditions=keel-source', fixture, mode];
  return spawn(process.execPath, args, { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
}

function firstLine(child: ChildProcess): Promise<Started[]> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (out.includes('\n')) resolve(JSON.parse(out.slice(0, out.indexOf('\n'))) as Started[]);
    });
    child.once('exit', (code) => reject(new Error(`fixture exited (${code}) before printing: ${out}`)));
  });
}

/** Polls until `done()` (a killed process takes a moment to go), for at most 10 s. */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !done(); i++) await sleep(50);
}
