import { existsSync, readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type PrivateServer, privateRedis } from '../src/index.js';
import { cli, running } from './processes.js';

const redis = privateRedis();
const command = (server: PrivateServer, ...args: string[]) => cli('redis-cli', ['-u', server.url, ...args]);

describe.skipIf(redis.skip)('startRedis', () => {
  const started: PrivateServer[] = [];
  const start = async (...options: Parameters<NonNullable<typeof redis.server>['start']>) => {
    const server = await redis.server!.start(...options);
    started.push(server);
    return server;
  };
  afterEach(async () => {
    for (const server of started.splice(0)) await server.stop();
  });

  it('keeps acknowledged writes through a kill and a restart when append-only', async () => {
    const server = await start({ appendOnly: true });
    const { port, pid } = server;
    expect(server.url).toBe(`redis://127.0.0.1:${port}`);
    expect(await command(server, 'SET', 'k', 'v')).toBe('OK');

    await server.kill();
    expect(running(pid)).toBe(false);
    await expect(command(server, 'PING')).rejects.toThrow(/refused/i);

    await server.restart();
    expect(server.port).toBe(port);
    expect(await command(server, 'GET', 'k')).toBe('v');
  });

  it('restart() on a running server shuts it down cleanly first, same port and data', async () => {
    const server = await start({ appendOnly: true });
    const { port, pid } = server;
    await command(server, 'SET', 'k', 'v');
    await server.restart();
    expect(running(pid)).toBe(false);
    expect(server.pid).not.toBe(pid);
    expect(server.port).toBe(port);
    expect(await command(server, 'GET', 'k')).toBe('v');
  });

  it('loses everything through a kill without append-only (nothing on disk)', async () => {
    const server = await start();
    await command(server, 'SET', 'k', 'v');
    await server.kill();
    await server.restart();
    expect(await command(server, 'EXISTS', 'k')).toBe('0');
  });

  it('serves TLS only with tls: true', async () => {
    const server = await start({ tls: true });
    expect(server.url).toBe(`rediss://127.0.0.1:${server.port}`);
    expect(await command(server, '--tls', '--insecure', 'PING')).toBe('PONG');
    // A client without TLS gets no answer it can read.
    await expect(cli('redis-cli', ['-h', '127.0.0.1', '-p', String(server.port), 'PING'])).rejects.toThrow();
  });

  it('stop() ends the server and removes its folder', async () => {
    const server = await redis.server!.start();
    const pid = server.pid;
    await server.stop();
    expect(running(pid)).toBe(false);
    expect(existsSync(server.dataDir)).toBe(false);
    await expect(server.restart()).rejects.toThrow(/start a new one/);
  });

  it('fails a start it cannot make with the server log, leaving no folder', async () => {
    // This test process's folder, which holds every server's folder.
    const folder = dirname(dirname((await start()).dataDir));
    const before = readdirSync(folder);
    await expect(start({ settings: { 'no-such-directive': 1 } })).rejects.toThrow(
      /Redis exited before accepting connections[\s\S]*Bad directive/,
    );
    expect(readdirSync(folder)).toEqual(before);
  });

  it('fails a start that takes longer than timeoutMs', async () => {
    await expect(start({ timeoutMs: 1 })).rejects.toThrow(/Redis did not accept connections on port \d+ within 1 ms/);
  });
});
