import { connect } from 'node:net';
import { type ServerFor, unavailable } from './server-for.js';

/** The machine's NATS with JetStream, shared by stream name and subject prefix. */
export interface TestNats {
  readonly url: string;
  /** A stream name and subject prefix no other test uses, for `createNatsMessaging({ url, ...nats.stream() })`. */
  stream(label?: string): { stream: string; subjectPrefix: string };
  /** Deletes every stream handed out (their consumers go with them). */
  cleanup(): Promise<void>;
}

const defaultNatsUrl = 'nats://127.0.0.1:4222';
let counter = 0;

/**
 * The NATS tests use: `KEEL_TEST_NATS_URL`, else `nats://127.0.0.1:4222`, with JetStream on.
 * Skips and fails as `testRedis` does. It speaks the text protocol itself, so that this package
 * needs no NATS client.
 *
 * @example
 * const nats = await testNats();
 * describe.skipIf(nats.skip)('on NATS', () => { … createNatsMessaging({ url: nats.server!.url, ...nats.server!.stream('orders') }) … });
 */
export async function testNats(): Promise<ServerFor<TestNats>> {
  const url = process.env.KEEL_TEST_NATS_URL ?? defaultNatsUrl;
  try {
    const info = JSON.parse(await natsRequest(url, '$JS.API.INFO')) as { error?: { description?: string } };
    if (info.error) throw new Error(info.error.description ?? 'JetStream is not enabled');
  } catch (thrown) {
    return unavailable(`no NATS with JetStream at ${url} (${(thrown as Error).message}); set KEEL_TEST_NATS_URL`);
  }
  const created: string[] = [];
  const suffix = Math.random().toString(36).slice(2, 8);
  return {
    server: {
      url,
      stream(label = 'msg') {
        const name = `keel-test-${label.replace(/[^A-Za-z0-9_-]/g, '_')}-${process.pid}-${suffix}-${counter++}`;
        created.push(name);
        return { stream: name, subjectPrefix: name.replaceAll('-', '_') };
      },
      async cleanup() {
        await Promise.all(created.splice(0).map((name) => natsRequest(url, `$JS.API.STREAM.DELETE.${name}`)));
      },
    },
  };
}

/**
 * One request over a fresh connection: `CONNECT`, subscribe to an inbox, publish an empty body
 * with it as reply subject, read the one `MSG` back.
 */
function natsRequest(url: string, subject: string, timeoutMs = 3000): Promise<string> {
  const { hostname, port } = new URL(url);
  const inbox = `_INBOX.keel_test_${process.pid}_${counter++}`;
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname || '127.0.0.1', port: Number(port || 4222) });
    let buffer = '';
    const done = (error: Error | undefined, body?: string) => {
      socket.destroy();
      if (error) reject(error);
      else resolve(body as string);
    };
    socket.setTimeout(timeoutMs, () => done(new Error('no answer')));
    socket.once('error', (error) => done(error));
    socket.once('connect', () =>
      socket.write(`CONNECT {"verbose":false,"pedantic":false}\r\nSUB ${inbox} 1\r\nPUB ${subject} ${inbox} 0\r\n\r\n`),
    );
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      if (buffer.includes('PING\r\n')) socket.write('PONG\r\n');
      const error = /-ERR ([^\r]*)\r\n/.exec(buffer);
      if (error) return done(new Error(error[1]));
      const head = /MSG \S+ 1 (\d+)\r\n/.exec(buffer);
      if (!head) return;
      const start = head.index + head[0].length;
      const length = Number(head[1]);
      if (Buffer.byteLength(buffer.slice(start)) < length + 2) return;
      done(undefined, Buffer.from(buffer.slice(start)).subarray(0, length).toString('utf8'));
    });
  });
}
