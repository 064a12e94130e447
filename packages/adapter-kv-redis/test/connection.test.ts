import { createServer, type Server, type Socket } from 'node:net';
import { createClient } from '@redis/client';
import type { KvError } from '@keel/core';
import { expectErr, expectOk, startRedis, testRedis } from '@keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisKv, type RedisKvOptions } from '../src/index.js';

const redis = await testRedis();
const server = redis.server;
const SECRET = 'pa55-Wörd-never-printed';

/** Opens a store that must fail, and checks the error names no secret anywhere. */
async function openFails(options: RedisKvOptions, code: KvError['code']): Promise<KvError> {
  const kv = createRedisKv({ keyPrefix: 'keel-test:conn:', ...options });
  const error = expectErr(await kv.open(), code);
  for (const text of [
    String(error),
    error.message,
    JSON.stringify(error),
    String(error.cause),
    JSON.stringify(error.cause ?? null),
  ]) {
    if (process.env.SHOW_ERRORS) console.log(code, text);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(encodeURIComponent(SECRET));
  }
  await kv.close();
  return error;
}

describe('open() reports bad settings at once, naming what to fix, never the password', () => {
  it('a URL that is not redis:// or rediss://', async () => {
    const error = await openFails({ url: `http://user:${SECRET}@127.0.0.1:6379` }, 'INVALID_ARGUMENT');
    expect(error.message).toMatch(/redis:\/\/ or rediss:\/\//);
    await openFails({ url: `redis://user:${SECRET}@[bad` }, 'INVALID_ARGUMENT');
    await openFails({ url: `redis://:${SECRET}@127.0.0.1:6379/cache` }, 'INVALID_ARGUMENT');
  });

  it('a port nothing listens on', async () => {
    const error = await openFails({ url: `redis://:${encodeURIComponent(SECRET)}@127.0.0.1:1` }, 'UNAVAILABLE');
    expect(error.message).toContain('redis://127.0.0.1:1/0');
    expect(error.message).toMatch(/connection refused.*check host and port/);
  });

  it('a host that does not resolve', async () => {
    const error = await openFails({ url: `redis://:${SECRET}@no-such-host.invalid:6379` }, 'UNAVAILABLE');
    expect(error.message).toMatch(/does not resolve.*check the host name/);
  });

  it('a server that accepts the connection and never answers: bounded by the timeouts', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    try {
      const error = await openFails(
        { host: '127.0.0.1', port, password: SECRET, connectTimeoutMs: 200, commandTimeoutMs: 200 },
        'UNAVAILABLE',
      );
      expect(error.message).toMatch(/timed out|unreachable|cannot connect/);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  describe.skipIf(redis.skip)('against the machine’s Redis', () => {
    const user = `keel-test-user-${process.pid}`;
    let admin: ReturnType<typeof createClient>;
    beforeAll(async () => {
      admin = createClient({ url: server?.url });
      await admin.connect();
      // A user of the test's own, allowed only under the test prefixes: the server's default user stays as it is.
      await admin.sendCommand(['ACL', 'SETUSER', user, 'on', `>${SECRET}`, '~keel-test:*', '+@all']);
    });
    afterAll(async () => {
      await admin.sendCommand(['ACL', 'DELUSER', user]);
      await admin.close();
      await server?.cleanup();
    });

    it('a wrong password is ACCESS_DENIED', async () => {
      const error = await openFails(
        { url: `redis://${user}:wrong-${encodeURIComponent(SECRET)}@127.0.0.1:6379` },
        'ACCESS_DENIED',
      );
      expect(error.message).toMatch(/refused the credentials.*check username and password/);
    });

    it('the right user and password work, given in the URL or beside it', async () => {
      const keyPrefix = server?.prefix('acl') as string;
      const inUrl = createRedisKv({ url: `redis://${user}:${encodeURIComponent(SECRET)}@127.0.0.1:6379`, keyPrefix });
      expectOk(await inUrl.set('k', 'v'));
      await inUrl.close();
      const beside = createRedisKv({ url: server?.url, username: user, password: SECRET, keyPrefix });
      expect(expectOk(await beside.get('k'))).toBe('v');
      // The user may not touch keys outside its pattern: the server's refusal is ACCESS_DENIED.
      const outside = createRedisKv({ url: server?.url, username: user, password: SECRET, keyPrefix: 'elsewhere:' });
      expectErr(await outside.get('k'), 'ACCESS_DENIED');
      await Promise.all([beside.close(), outside.close()]);
    });

    it('TLS asked of a server without it', async () => {
      const error = await openFails(
        { url: `rediss://:${SECRET}@127.0.0.1:6379`, connectTimeoutMs: 1000 },
        'UNAVAILABLE',
      );
      expect(error.message).toMatch(/TLS|timed out/);
    });

    it('reconnects after its connection is killed (CLIENT KILL)', async () => {
      const keyPrefix = server?.prefix('kill') as string;
      const kv = createRedisKv({ url: server?.url, keyPrefix });
      expectOk(await kv.set('before', 1n));
      const ids = await connectionIds(admin, keyPrefix);
      expect(ids).toHaveLength(1);
      await admin.sendCommand(['CLIENT', 'KILL', 'ID', ids[0] as string]);
      expect(expectOk(await kv.increment('before'))).toBe(2n);
      const again = await connectionIds(admin, keyPrefix);
      expect(again).toHaveLength(1);
      expect(again[0]).not.toBe(ids[0]);
      await kv.close();
    });
  });

  it('TLS required by the server but off in the client', async () => {
    const tlsOnly = await startRedis({ tls: true });
    try {
      const error = await openFails(
        { url: `redis://:${SECRET}@127.0.0.1:${tlsOnly.port}`, connectTimeoutMs: 1000, commandTimeoutMs: 1000 },
        'UNAVAILABLE',
      );
      expect(error.message).toMatch(/requires TLS|set tls: true|rediss:\/\//);
    } finally {
      await tlsOnly.stop();
    }
  });
});

describe('a server that goes away and comes back', () => {
  it('calls fail fast with UNAVAILABLE while it is down, and work again once it is back', async () => {
    const own = await startRedis();
    const kv = createRedisKv({ host: '127.0.0.1', port: own.port, commandTimeoutMs: 300, keyPrefix: 'down:' });
    try {
      expectOk(await kv.set('k', 'v'));
      await own.kill();
      const error = expectErr(await kv.get('k'), 'UNAVAILABLE');
      expect(error.message).toMatch(/unreachable/);
      expectErr(await kv.set('k', 'w'), 'UNAVAILABLE');
      await own.restart();
      // The server came back empty (no persistence): the store reconnects and answers.
      let answer = await kv.set('k', 'again');
      for (let i = 0; i < 50 && answer.isErr(); i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        answer = await kv.set('k', 'again');
      }
      expectOk(answer);
      expect(expectOk(await kv.get('k'))).toBe('again');
      // Closing while the server is gone returns too (it does not wait for a reconnect).
      await own.kill();
      await kv.close();
    } finally {
      await kv.close();
      await own.stop();
    }
  });
});

describe('a server that is down for good', () => {
  it('fails each call at once once reconnecting has failed, not after commandTimeoutMs in a queue', async () => {
    const own = await startRedis();
    // 15 s a call: a call that raced the drop (queued before the client saw the socket close)
    // may wait that long, but were the calls after it queued too, 20 of them would take 5
    // minutes and the test would time out.
    const kv = createRedisKv({ host: '127.0.0.1', port: own.port, commandTimeoutMs: 15_000, keyPrefix: 'gone:' });
    try {
      expectOk(await kv.set('k', 'v'));
      await own.kill();
      for (let i = 0; i < 20; i++) {
        const error = expectErr(await kv.get('k'), 'UNAVAILABLE');
        expect(error.message).toMatch(/unreachable/);
      }
      expect(expectErr(await kv.increment('n'), 'UNAVAILABLE').message).toMatch(/reconnecting has not succeeded/);
    } finally {
      await kv.close();
      await own.stop();
    }
  }, 60_000);
});

describe('a server that lost its scripts', () => {
  it('sends a script in full when the server answers NOSCRIPT (SCRIPT FLUSH, a restart)', async () => {
    const own = await startRedis();
    const kv = createRedisKv({ host: '127.0.0.1', port: own.port, keyPrefix: 'flushed:' });
    const admin = createClient({ socket: { host: '127.0.0.1', port: own.port } });
    try {
      await admin.connect();
      expectOk(await kv.set('a', 1n));
      await admin.sendCommand(['SCRIPT', 'FLUSH']);
      expectOk(await kv.set('b', 2n));
      expect(expectOk(await kv.increment('a'))).toBe(2n);
      expect(expectOk(await kv.scan()).entries.map((e) => e.key)).toEqual(['a', 'b']);
    } finally {
      await admin.close();
      await kv.close();
      await own.stop();
    }
  });
});

async function connectionIds(admin: ReturnType<typeof createClient>, keyPrefix: string): Promise<string[]> {
  const list = String(await admin.sendCommand(['CLIENT', 'LIST']));
  const name = `keel-kv:${keyPrefix}`;
  return list
    .split('\n')
    .filter((line) => line.includes(` name=${name} `))
    .map((line) => /\bid=(\d+)/.exec(line)?.[1] as string);
}
