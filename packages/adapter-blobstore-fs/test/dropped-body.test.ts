import { spawnSync } from 'node:child_process';
import { bundleChild } from '@keel/testing';
import { afterAll, expect, it } from 'vitest';
import { tempFolders } from './temp-folders.js';

/**
 * An app that reads an object and drops the body without reading or destroying it must not leak
 * the file nor have Node close it at garbage collection: Node 26 makes that an uncaught error that
 * ends the process (found by CI on Node 26), earlier lines warn. A child drops 20 bodies, collects
 * garbage and reports what is still open and what Node said.
 */
const temp = tempFolders('dropped');
const child = await bundleChild(new URL('./fixtures/dropped-reader.ts', import.meta.url));
afterAll(() => child.remove());

it('closes the file of a read body the app dropped unread, without Node warning or throwing', () => {
  const run = spawnSync(process.execPath, ['--expose-gc', child.file, temp.folder('store')], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  const lines = run.stdout.trim().split('\n');
  // All 20 were open after the reads (each body holds its version open), none after collection.
  expect(lines).toEqual(['held 20', 'open 0', 'done']);
}, 60_000);
