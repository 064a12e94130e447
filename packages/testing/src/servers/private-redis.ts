import { mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { findExecutable } from './find-executable.js';
import type { PrivateServer, PrivateServerOptions, ServerStarter } from './private-server.js';
import { newFolder } from './process-reaper.js';
import { serverCommand } from './server-command.js';
import { type ServerFor, unavailable } from './server-for.js';
import { launchServer } from './server-process.js';

export interface PrivateRedisOptions extends PrivateServerOptions {
  /**
   * Log every write to an append-only file, fsynced before Redis replies (`appendfsync always`),
   * so that acknowledged writes survive `kill()` and `restart()`. Without it nothing is on disk.
   * @default false
   */
  readonly appendOnly?: boolean;
}

/**
 * Whether this machine can start private Redis servers (`redis-server` on PATH). Skips with the
 * reason, or fails under `CI`.
 *
 * @example
 * const redis = privateRedis();
 * describe.skipIf(redis.skip)('after a crash', () => {
 *   it('keeps acknowledged writes', async () => {
 *     const server = await redis.server!.start({ appendOnly: true });
 *     await server.stop();
 *   });
 * });
 */
export function privateRedis(): ServerFor<ServerStarter<PrivateRedisOptions>> {
  return findExecutable('redis-server') ? { server: { start: startRedis } } : unavailable('no redis-server on PATH');
}

/**
 * Starts a Redis of its own (a fresh temp folder as `--dir`, a free port on 127.0.0.1, no
 * snapshots) and resolves once it answers PING.
 *
 * @example
 * const server = await startRedis({ appendOnly: true });
 * // redis-cli -u server.url …
 * await server.stop();
 */
export async function startRedis(options: PrivateRedisOptions = {}): Promise<PrivateServer> {
  const redisServer = findExecutable('redis-server');
  if (!redisServer) throw new Error('cannot start Redis: no redis-server on PATH');
  const folder = newFolder('redis-');
  const dataDir = join(folder, 'data');
  mkdirSync(dataDir);
  const durability = options.appendOnly ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  const settings = Object.entries(options.settings ?? {}).flatMap(([k, v]) => [`--${k}`, String(v)]);
  return launchServer({
    name: 'Redis',
    folder,
    dataDir,
    logFile: join(folder, 'server.log'),
    timeoutMs: options.timeoutMs ?? 20_000,
    stopSignal: 'SIGTERM', // Redis's clean shutdown (flushes the append-only file)
    url: (port) => `redis://127.0.0.1:${port}`,
    command: (port) =>
      serverCommand(redisServer, [
        ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dataDir, '--save', '', '--logfile', ''],
        ...durability,
        ...settings,
      ]),
    ready: pong,
  });
}

/** Whether Redis on `port` answers PING (not `-LOADING` while it replays its file). */
function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
  });
}
