import { bundleChild, expectOk } from '@keel/testing';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteSql } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'keel-sqlite-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Bundled once, so that each of the many starts is a plain `node` start (better-sqlite3 as installed).
const child = await bundleChild(new URL('./fixtures/crash-child.ts', import.meta.url), {
  external: /^better-sqlite3$/,
});
afterAll(() => child.remove());
const cwd = fileURLToPath(new URL('..', import.meta.url));
const kills = 60;

interface Round {
  /** The highest sequence number the child acknowledged before it died. */
  acked: number;
  signal: NodeJS.Signals | null;
  wrote: boolean;
}

/**
 * Starts the writer and kills it with SIGKILL at a random moment: 0–40 ms into its stream of
 * commits, or (every sixth time) 0–500 ms after it was started, which lands anywhere in its
 * start-up (loading, opening the file, recovering the WAL, creating the schema) or its first commits.
 */
function runAndKill(filename: string, random: () => number, early: boolean): Promise<Round> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child.file, filename], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const round: Round = { acked: 0, signal: null, wrote: false };
    let buffered = '';
    let errors = '';
    const kill = () => proc.kill('SIGKILL');
    if (early) setTimeout(kill, random() * 500);
    proc.stdout.on('data', (chunk: Buffer) => {
      const lines = (buffered + chunk.toString()).split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line === 'ready') continue;
        // The first acknowledgement shows the writer is in its loop; the kill lands 0–40 ms later.
        if (!round.wrote && !early) setTimeout(kill, random() * 40);
        round.acked = Math.max(round.acked, Number(line));
        round.wrote = true;
      }
    });
    proc.stderr.on('data', (chunk: Buffer) => (errors += chunk));
    proc.on('error', reject);
    proc.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`the writer exited by itself (code ${code}): ${errors}`));
      else resolve({ ...round, signal });
    });
  });
}

describe('crash safety', () => {
  it(`keeps every acknowledged commit and a sound file across ${kills} SIGKILLs`, async () => {
    const seed = Date.now() >>> 0;
    const random = mulberry32(seed);
    const filename = join(dir, 'crash.db');
    let acked = 0;
    let midWrite = 0;
    for (let round = 0; round < kills; round++) {
      const early = round % 6 === 5;
      const result = await runAndKill(filename, random, early);
      expect(result.signal).toBe('SIGKILL');
      if (result.wrote) midWrite++;
      acked = Math.max(acked, result.acked);

      const sql = createSqliteSql({ filename });
      try {
        const context = `round ${round}, seed ${seed}`;
        expect(expectOk(await sql.query('PRAGMA integrity_check')).rows, context).toEqual([['ok']]);
        const [[count, max, total]] = expectOk(
          await sql.query('SELECT count(*), coalesce(max(n), 0), (SELECT total FROM counter) FROM items'),
        ).rows as [[number, number, number]];
        // Every acknowledged commit is there; commits are whole (the trigger's count matches) and
        // in order (the numbers have no gaps).
        expect(max, context).toBeGreaterThanOrEqual(acked);
        expect(count, context).toBe(max);
        expect(total, context).toBe(count);
        acked = max;
      } finally {
        await sql.close();
      }
    }
    expect(midWrite).toBeGreaterThanOrEqual(50);
    console.info(`crash safety: ${kills} SIGKILLs (${midWrite} while committing), ${acked} rows, seed ${seed}`);
  }, 180_000);
});

/** A small seeded generator, so a failing run can be told apart by its seed. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
