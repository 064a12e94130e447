import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runBuilt, testNats } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';

// The built package, the way an app gets it: plain `node`, no source condition.
const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const nats = await testNats();
const run = (code: string) => runBuilt(new URL('..', import.meta.url), code);

describe('built package', () => {
  afterAll(() => nats.server?.cleanup());

  it('exists (run `pnpm build` first)', () => {
    expect(existsSync(dist)).toBe(true);
  });

  it.skipIf(nats.skip)('works from ESM, through createKeel, with core’s error class', () => {
    const options = { url: nats.server?.url, ...nats.server?.stream('dist') };
    const child = run(`
      import { natsMessagingAdapter } from '@keel/adapter-messaging-nats';
      import { createKeel, MessagingError } from '@keel/core';
      const keel = (await createKeel({ messaging: { adapter: 'nats', options: ${JSON.stringify(options)} } }, { env: false, adapters: [natsMessagingAdapter] }))._unsafeUnwrap();
      await keel.messaging.ensureConsumer({ subject: 'a', name: 'c' });
      await keel.messaging.publish('a', 'hi');
      const [got] = (await keel.messaging.pull('a', 'c', { waitMs: 1000 }))._unsafeUnwrap();
      const unknown = (await keel.messaging.pull('a', 'nobody'))._unsafeUnwrapErr();
      await keel.close();
      console.log(JSON.stringify({ text: new TextDecoder().decode(got.data), code: unknown.code, typed: unknown instanceof MessagingError }));`);
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual({ text: 'hi', code: 'NOT_FOUND', typed: true });
  });
});
