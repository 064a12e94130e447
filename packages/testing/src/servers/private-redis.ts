import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { connect as connectTls } from 'node:tls';
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
  /**
   * Serve TLS only (`rediss://` in `url`), with a self-signed certificate made for this server
   * (needs `openssl`): for tests of a client that must, or must not, speak TLS.
   * @default false
   */
  readonly tls?: boolean;
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
  const tls = options.tls ? selfSigned(folder) : undefined;
  const ports = (port: number) =>
    tls
      ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', tls.cert, '--tls-key-file', tls.key]
      : ['--port', String(port)];
  return launchServer({
    name: 'Redis',
    folder,
    dataDir,
    logFile: join(folder, 'server.log'),
    timeoutMs: options.timeoutMs ?? 20_000,
    stopSignal: 'SIGTERM', // Redis's clean shutdown (flushes the append-only file)
    url: (port) => `${tls ? 'rediss' : 'redis'}://127.0.0.1:${port}`,
    command: (port) =>
      serverCommand(redisServer, [
        ...ports(port),
        ...['--bind', '127.0.0.1', '--dir', dataDir, '--save', '', '--logfile', ''],
        ...(tls ? ['--tls-auth-clients', 'no'] : []),
        ...durability,
        ...settings,
      ]),
    ready: (port) => pong(port, tls !== undefined),
  });
}

/** A key and a self-signed certificate for `localhost`, in `folder`. */
function selfSigned(folder: string): { key: string; cert: string } {
  const key = join(folder, 'key.pem');
  const cert = join(folder, 'cert.pem');
  const subject = ['-subj', '/CN=localhost', '-days', '1'];
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, ...subject], {
    stdio: 'ignore',
  });
  return { key, cert };
}

/** Whether Redis on `port` answers PING (not `-LOADING` while it replays its file). */
function pong(port: number, tls: boolean): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tls
      ? connectTls({ host: '127.0.0.1', port, rejectUnauthorized: false })
      : connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once(tls ? 'secureConnect' : 'connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
  });
}
