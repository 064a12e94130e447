import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expectErr, expectOk } from '@keel/testing';
import { describe, expect, it } from 'vitest';
import { createLevelKv } from '../src/index.js';
import { tempFolders } from './temp-folders.js';

const temp = tempFolders('lock');
const holder = fileURLToPath(new URL('./fixtures/hold-lock.ts', import.meta.url));

describe('a folder locked by another process', () => {
  it('is UNAVAILABLE naming the folder, and opens once the other process is gone', async () => {
    const location = temp.folder('shared');
    const child = spawn(process.execPath, ['--conditions=keel-source', '--import', 'tsx', holder, location], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const closed = new Promise((resolve) => child.once('close', resolve));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('holding') && resolve());
        child.once('exit', (code) => reject(new Error(`the holder exited early (${code})`)));
      });
      const kv = createLevelKv({ location });
      const error = expectErr(await kv.set('k', 'v'), 'UNAVAILABLE');
      expect(error.message).toBe(
        `LevelDB folder '${location}' is locked by another process (or by another open store in this one)`,
      );
      expect(error.adapter).toBe('level');
      expect(error.cause).toBeInstanceOf(Error);
      expect((await kv.health()).ok).toBe(false);
      // Still locked: trying again fails the same way, and does not stop a later try.
      expectErr(await kv.open(), 'UNAVAILABLE');

      child.kill('SIGKILL');
      await closed;
      expectOk(await kv.set('k', 'v'));
      expect(expectOk(await kv.get('k'))).toBe('v');

      // A second store on the same folder in this process is refused the same way.
      const second = createLevelKv({ location });
      expectErr(await second.get('k'), 'UNAVAILABLE');
      await second.close();
      await kv.close();
    } finally {
      child.kill('SIGKILL');
      await closed;
    }
  });
});
