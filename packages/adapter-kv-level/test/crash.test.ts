import { fileURLToPath } from 'node:url';
import type { KvValue } from '@keel/core';
import { bundleChild, expectOk, startReadyChild } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createLevelKv } from '../src/index.js';
import { crashOp } from './fixtures/crash-ops.js';
import { expectIndexMatchesValues } from './disk-checks.js';
import { tempFolders } from './temp-folders.js';

/**
 * Crash safety: a child process writes through Keel with `sync: true` and is SIGKILLed at a
 * random moment — while opening, mid-write, between writes — again and again on one store.
 * After each kill the store must open cleanly, hold every acknowledged write, hold the write in
 * flight either whole or not at all (a batch never in part), and keep its expiry index exact.
 */
const KILLS = 60;
const temp = tempFolders('crash');
// Bundled once, so that each of the many starts is a plain `node` start (classic-level as installed).
const child = await bundleChild(new URL('./fixtures/crash-writer.ts', import.meta.url), {
  external: /^classic-level$/,
});
afterAll(() => child.remove());
const cwd = fileURLToPath(new URL('..', import.meta.url));

/** Starts a writer; it loads, says `ready`, and waits for `go`. */
const startWriter = (location: string, first: number, sync: boolean) =>
  startReadyChild(child.file, [location, String(first), String(sync)], cwd);

describe('crash safety', () => {
  it(
    `with sync: true, keeps every acknowledged write across ${KILLS} SIGKILLs at random moments`,
    () => crashRun(true, KILLS),
    120_000,
  );

  // The default: acknowledged writes are in the OS's page cache, which a killed process does not take with it.
  it(
    'with sync: false (the default), keeps every acknowledged write across 12 SIGKILLs',
    () => crashRun(false, 12),
    60_000,
  );
});

async function crashRun(sync: boolean, kills: number): Promise<void> {
  const location = temp.folder(`store-${sync}`);
  // What every acknowledged write so far adds up to.
  const state = new Map<string, KvValue>();
  let next = 0;
  let acknowledged = 0;
  let inFlightApplied = 0;
  // The next writer starts loading while the current one runs: start-up is most of a child's time.
  let warm = startWriter(location, next, sync);
  try {
    for (let kill = 0; kill < kills; kill++) {
      const writer = warm;
      await writer.ready;
      writer.process.stdin.write('go\n');
      // Sometimes while it opens (and recovers the log), mostly mid-stream.
      await sleep(kill % 6 === 0 ? Math.random() * 15 : 10 + Math.random() * 120);
      writer.process.kill('SIGKILL');
      await writer.exited;
      expect(writer.errors, `the writer's stderr before kill ${kill}`).toBe('');

      const acks = [...writer.output.matchAll(/^ack (\d+)$/gm)].map((m) => Number(m[1]));
      expect(acks).toEqual(acks.map((_, i) => next + i));
      for (const seq of acks) crashOp(seq).apply(state);
      acknowledged += acks.length;
      // The write that was under way when the kill came is applied whole or not at all.
      const inFlight = next + acks.length;
      const withInFlight = new Map(state);
      crashOp(inFlight).apply(withInFlight);
      next = inFlight + 1;
      warm = startWriter(location, next, sync);

      const found = await readStore(location, [...withInFlight.keys()]);
      const applied = sameState(found, withInFlight) && !sameState(found, state);
      if (!applied) expect(Object.fromEntries(found), `after kill ${kill}`).toEqual(Object.fromEntries(state));
      if (applied) {
        crashOp(inFlight).apply(state);
        inFlightApplied++;
      }
      await expectIndexMatchesValues(location);
    }
  } finally {
    warm.process.kill('SIGKILL');
    await warm.exited;
  }
  // The runs wrote something, and kills landed both before and after writes were applied.
  expect(acknowledged).toBeGreaterThan(kills);
  console.log(
    `crash test (sync: ${sync}): ${kills} kills, ${acknowledged} acknowledged writes, ${inFlightApplied} in-flight writes found applied`,
  );
}

/** Opens the store as an app would after the crash and reads everything in it. */
async function readStore(location: string, keys: string[]): Promise<Map<string, KvValue>> {
  const kv = createLevelKv({ location });
  try {
    expectOk(await kv.open());
    const found = new Map<string, KvValue>();
    let cursor: string | undefined;
    do {
      const page = expectOk(await kv.scan({ limit: 10_000, ...(cursor === undefined ? {} : { cursor }) }));
      for (const { key, value } of page.entries) found.set(key, value);
      cursor = page.cursor;
    } while (cursor !== undefined);
    // Batch-written keys kept their expiry through the crash.
    for (const key of keys.filter((k) => k.startsWith('b:') && found.has(k)).slice(-20)) {
      expect(expectOk(await kv.ttl(key))?.kind).toBe('after-ms');
    }
    return found;
  } finally {
    await kv.close();
  }
}

function sameState(a: Map<string, KvValue>, b: Map<string, KvValue>): boolean {
  if (a.size !== b.size) return false;
  for (const [key, value] of a) if (!b.has(key) || !Object.is(b.get(key), value)) return false;
  return true;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
