import { createHash } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import { fileURLToPath } from 'node:url';
import { bundleChild, expectOk, startReadyChild } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createFsBlobstore } from '../src/index.js';
import { killKeys, wholeVersion } from './fixtures/versions.js';
import { tempFolders } from './temp-folders.js';

/**
 * A child process streams versions of a few keys (and copies) into one store and is SIGKILLed
 * at a random moment — mid-chunk, mid-commit, between writes — again and again. After each kill
 * every visible object must be one version written in full (size, etag and metadata agreeing),
 * and every acknowledged write must still be there or be replaced by a later version.
 */
const temp = tempFolders('kill');
// Bundled once, so that each start is a plain `node` start.
const child = await bundleChild(new URL('./fixtures/kill-writer.ts', import.meta.url));
afterAll(() => child.remove());
const cwd = fileURLToPath(new URL('..', import.meta.url));

const startWriter = (root: string, first: number, sync: boolean) =>
  startReadyChild(child.file, [root, String(first), String(sync)], cwd);

describe('kill safety', () => {
  it(
    'never shows a torn object across 24 SIGKILLs during streamed writes and copies (sync: true)',
    () => killRun(true, 24),
    120_000,
  );
  it('nor with sync: false, across 12 SIGKILLs', () => killRun(false, 12), 60_000);
});

async function killRun(sync: boolean, kills: number): Promise<void> {
  const root = temp.folder(`store-${sync}`);
  // The latest acknowledged version per key index in `box`.
  const acked = new Map<number, number>();
  let next = 0;
  let objectsChecked = 0;
  let warm = startWriter(root, next, sync);
  try {
    for (let kill = 0; kill < kills; kill++) {
      const writer = warm;
      await writer.ready;
      writer.process.stdin.write('go\n');
      await sleep(kill % 4 === 0 ? Math.random() * 20 : 20 + Math.random() * 150);
      writer.process.kill('SIGKILL');
      await writer.exited;
      expect(writer.errors, `the writer's stderr before kill ${kill}`).toBe('');
      const acks = [...writer.output.matchAll(/^ack (\d+) (\d+)$/gm)].map((m) => [Number(m[1]), Number(m[2])] as const);
      for (const [index, v] of acks) if (v % 5 !== 4) acked.set(index, v);
      next = (acks.at(-1)?.[1] ?? next - 1) + 2;
      warm = startWriter(root, next, sync);
      objectsChecked += await checkStore(root, acked, next);
    }
  } finally {
    warm.process.kill('SIGKILL');
    await warm.exited;
  }
  expect(acked.size).toBeGreaterThan(0);
  expect(objectsChecked).toBeGreaterThan(kills);
}

/** Opens the store as an app would after the crash; every visible object is whole. Returns how many it checked. */
async function checkStore(root: string, acked: Map<number, number>, below: number): Promise<number> {
  const store = createFsBlobstore({ root });
  let checked = 0;
  try {
    for (const container of ['box', 'copies']) {
      if (!expectOk(await store.containerExists(container))) continue;
      const page = expectOk(await store.list(container, { limit: 1000 }));
      for (const meta of page.objects) {
        const object = expectOk(await store.read(container, meta.key));
        const content = await buffer(object.body);
        const owner = container === 'box' ? [meta.key] : killKeys;
        const version = owner.map((k) => wholeVersion(k, content)).find((v) => v !== undefined);
        expect(version, `${container}/${meta.key} is a whole version`).toBeDefined();
        expect(version as number).toBeLessThan(below);
        expect(content.byteLength).toBe(meta.size);
        expect(createHash('sha256').update(content).digest('hex')).toBe(meta.etag);
        expect(meta.contentType).toBe('application/x-test');
        if (container === 'box') {
          const index = killKeys.indexOf(meta.key);
          expect(version as number, `an acknowledged write to ${meta.key} is kept`).toBeGreaterThanOrEqual(
            acked.get(index) ?? 0,
          );
        }
        checked++;
      }
      for (const [index] of acked)
        if (container === 'box') expect(page.objects.some((o) => o.key === killKeys[index])).toBe(true);
    }
  } finally {
    await store.close();
  }
  return checked;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
