import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createRedisKv } from '@keel/adapter-kv-redis';
import { expectOk, testRedis } from '@keel/testing';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type CacheStats, createCache } from '../src/index.js';

// Real processes on one Redis (LevelDB locks its folder to one process, and kv-memory lives in
// one): single-flight across processes through the kv lease, and a lease holder SIGKILLed mid-load.
const redis = await testRedis();
const server = redis.server;
const childScript = fileURLToPath(new URL('support/cache-child.ts', import.meta.url));

interface Answer {
  readonly loads: number;
  readonly values: readonly { key: string; loadedBy: number }[];
  readonly stats: CacheStats;
}

class Child {
  private readonly lines: string[] = [];
  private readonly waiters: (() => void)[] = [];
  readonly exited: Promise<unknown>;
  // Not `exitCode`: it stays null for a child killed by a signal.
  private gone = false;

  constructor(readonly process: ChildProcess) {
    createInterface({ input: process.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      this.lines.push(line);
      for (const wake of this.waiters.splice(0)) wake();
    });
    let stderr = '';
    process.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    this.exited = new Promise((resolve) => process.on('exit', resolve)).then(() => {
      this.gone = true;
      for (const wake of this.waiters.splice(0)) wake();
      return stderr;
    });
  }

  /** The next line the child writes, as JSON. */
  async next<T>(): Promise<T> {
    while (this.lines.length === 0) {
      if (this.gone) throw new Error(`child exited: ${await this.exited}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    return JSON.parse(this.lines.shift() as string) as T;
  }

  send(command: object): void {
    this.process.stdin?.write(`${JSON.stringify(command)}\n`);
  }
}

describe.skipIf(server === undefined)(
  `@keel/cache across processes on Redis${redis.skip ? ` — skipped: ${redis.skip}` : ''}`,
  () => {
    const children: Child[] = [];
    afterEach(async () => {
      for (const c of children.splice(0)) {
        c.process.kill('SIGKILL');
        await c.exited;
      }
    });
    afterAll(() => server?.cleanup());

    async function start(
      count: number,
      setup: { leaseMs: number; leaseWaitMs: number; loadMs: number },
      keyPrefix: string,
    ) {
      const started = Array.from({ length: count }, () => {
        const child = new Child(
          spawn(
            process.execPath,
            [
              '--conditions=keel-source',
              '--import',
              'tsx',
              childScript,
              JSON.stringify({ url: server?.url, keyPrefix, ...setup }),
            ],
            {
              cwd: fileURLToPath(new URL('..', import.meta.url)),
              stdio: ['pipe', 'pipe', 'pipe'],
            },
          ),
        );
        children.push(child);
        return child;
      });
      await Promise.all(started.map((c) => c.next()));
      return started;
    }

    it('4 processes × 250 concurrent misses load once, for each of 5 keys', async () => {
      const prefix = server?.prefix('cache-stampede') as string;
      const processes = await start(4, { leaseMs: 10_000, leaseWaitMs: 20_000, loadMs: 50 }, prefix);
      for (let round = 0; round < 5; round++) {
        const key = `hot:${round}`;
        for (const p of processes) p.send({ keys: [key], callers: 250 });
        const answers = await Promise.all(processes.map((p) => p.next<Answer>()));
        expect(
          answers.reduce((sum, a) => sum + a.loads, 0),
          `loads of ${key}`,
        ).toBe(1);
        const values = answers.flatMap((a) => a.values);
        expect(values).toHaveLength(1000);
        // Every caller in every process got the one value loaded.
        expect(new Set(values.map((v) => JSON.stringify(v))).size).toBe(1);
        expect(values[0]?.key).toBe(key);
      }
    }, 60_000);

    it('a lease holder SIGKILLed mid-load: once its leases expire, one survivor loads each key', async () => {
      const prefix = server?.prefix('cache-kill') as string;
      // Leases long enough to outlast the kill and the stampede's start on a busy machine.
      const setup = { leaseMs: 5000, leaseWaitMs: 20_000, loadMs: 20 };
      const [holder, survivor] = (await start(2, setup, prefix)) as [Child, Child];
      const keys = Array.from({ length: 30 }, (_, i) => `key:${i}`);
      holder.send({ hold: keys });
      for (let i = 0; i < keys.length; i++) await holder.next();
      holder.process.kill('SIGKILL');
      await holder.exited;

      // This process and a surviving child stampede the 30 keys while the dead holder's leases still stand.
      const kv = createRedisKv({ url: server?.url, keyPrefix: prefix });
      const here = createCache(kv, { leaseMs: setup.leaseMs, leaseWaitMs: setup.leaseWaitMs, leasePollMs: 5 });
      let loadsHere = 0;
      survivor.send({ keys, callers: 10 });
      const local = await Promise.all(
        keys.flatMap((key) =>
          Array.from({ length: 10 }, () =>
            here.getOrSet(key, async () => {
              loadsHere++;
              return { key, loadedBy: process.pid };
            }),
          ),
        ),
      );
      const remote = await survivor.next<Answer>();
      expect(loadsHere + remote.loads).toBe(keys.length);
      expect(here.stats().leaseWaits).toBeGreaterThan(0);
      expect(here.stats().leaseTimeouts + remote.stats.leaseTimeouts).toBe(0);
      // Both processes agree on each key's value.
      for (const [i, key] of keys.entries()) {
        const mine = expectOk(local[i * 10] as (typeof local)[number]);
        expect(mine.key).toBe(key);
        expect(remote.values[i * 10]).toEqual(mine);
      }
      await kv.close();
    }, 60_000);
  },
);
