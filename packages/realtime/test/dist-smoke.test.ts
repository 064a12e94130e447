import { describeBuiltPackage } from '@keel/testing';

// The built package the way an app gets it: plain `node`, no source condition, so
// `@keel/realtime`, `@keel/core` and `@keel/adapter-messaging-memory` resolve to their `dist`.
const script = `
  import { createServer } from 'node:http';
  import { createMemoryMessaging } from '@keel/adapter-messaging-memory';
  import { createRealtimeHandler, matchesPattern } from '@keel/realtime';
  const messaging = createMemoryMessaging();
  const realtime = createRealtimeHandler({ messaging, authorize: () => ({ user: 'u', subjects: ['a.>'] }) });
  const server = createServer((req, res) => void realtime.handle(req, res));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = 'http://127.0.0.1:' + server.address().port;
  const refused = (await fetch(base + '/?subject=b.c')).status;
  const response = await fetch(base + '/?subject=a.b');
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let text = (await reader.read()).value;
  await messaging.publish('a.b', 'hello');
  while (!text.includes('data: hello')) text += (await reader.read()).value;
  await reader.cancel();
  await realtime.close();
  server.close();
  await messaging.close();
  console.log(JSON.stringify({ refused, status: response.status, match: matchesPattern('a.b', 'a.>') }));`;

describeBuiltPackage({
  folder: new URL('..', import.meta.url),
  script,
  expected: { refused: 403, status: 200, match: true },
});
