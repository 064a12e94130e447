import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runBuilt } from '@keel/testing';
import { describe, expect, it } from 'vitest';

// The built package, the way an app gets it: plain `node`, no source condition.
const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const run = (code: string) => runBuilt(new URL('..', import.meta.url), code);

describe('built package', () => {
  it('exists (run `pnpm build` first)', () => {
    expect(existsSync(dist)).toBe(true);
  });

  it('works from ESM, through createKeel, with core’s error class', () => {
    const child = run(`
      import { createMemoryMessaging, memoryMessagingAdapter } from '@keel/adapter-messaging-memory';
      import { createKeel, MessagingError } from '@keel/core';
      const direct = createMemoryMessaging();
      await direct.ensureConsumer({ subject: 'a', name: 'c' });
      await direct.publish('a', 'hi');
      const [got] = (await direct.pull('a', 'c'))._unsafeUnwrap();
      await direct.close();
      const keel = (await createKeel({ messaging: { adapter: 'memory' } }, { env: false, adapters: [memoryMessagingAdapter] }))._unsafeUnwrap();
      const bad = (await keel.messaging.publish('no spaces', 'x'))._unsafeUnwrapErr();
      await keel.close();
      console.log(JSON.stringify({ text: new TextDecoder().decode(got.data), adapter: keel.messaging.adapter, code: bad.code, typed: bad instanceof MessagingError }));`);
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual({ text: 'hi', adapter: 'memory', code: 'INVALID_SUBJECT', typed: true });
  });
});
