import { execFile } from 'node:child_process';
import { chownSync } from 'node:fs';
import { join } from 'node:path';
import { findPostgres, type PostgresInstall } from './postgres-install.js';
import type { PrivateServer, PrivateServerOptions, ServerStarter } from './private-server.js';
import { newFolder } from './process-reaper.js';
import { run } from './run-command.js';
import { serverCommand } from './server-command.js';
import { type ServerFor, unavailable } from './server-for.js';
import { launchServer } from './server-process.js';

export type PrivatePostgresOptions = PrivateServerOptions;

// Process crashes (`kill()`) lose nothing with these: a commit still writes its WAL to the
// kernel before it returns; only an OS crash would need fsync. They make starts and writes quick.
const quick = { fsync: 'off', full_page_writes: 'off', shared_buffers: '16MB', max_connections: 50 };

/**
 * Whether this machine can start private PostgreSQL servers (`initdb` and `postgres` found; as
 * root, a `postgres` OS user to run them as). Skips with the reason, or fails under `CI`.
 *
 * @example
 * const pg = privatePostgres();
 * describe.skipIf(pg.skip)('after a crash', () => {
 *   it('keeps committed rows', async () => {
 *     const server = await pg.server!.start();
 *     // … write, await server.kill(), await server.restart(), read …
 *     await server.stop();
 *   });
 * });
 */
export function privatePostgres(): ServerFor<ServerStarter<PrivatePostgresOptions>> {
  const install = findPostgres();
  return typeof install === 'string' ? unavailable(install) : { server: { start: startPostgres } };
}

/**
 * Starts a PostgreSQL cluster of its own (a fresh temp folder, a free port on 127.0.0.1, trust
 * auth for user `postgres`) and resolves once it accepts connections. The first start in a
 * process runs `initdb` (~1.5 s); later ones copy that cluster.
 *
 * @example
 * const server = await startPostgres();
 * // psql server.url …
 * await server.stop();
 */
export async function startPostgres(options: PrivatePostgresOptions = {}): Promise<PrivateServer> {
  const install = findPostgres();
  if (typeof install === 'string') throw new Error(`cannot start PostgreSQL: ${install}`);
  const folder = ownedFolder('postgres-', install);
  const dataDir = join(folder, 'data');
  await run('cp', ['-a', await template(install), dataDir]);
  const settings = { ...quick, listen_addresses: '127.0.0.1', ...options.settings };
  return launchServer({
    name: 'PostgreSQL',
    folder,
    dataDir,
    logFile: join(folder, 'server.log'),
    timeoutMs: options.timeoutMs ?? 20_000,
    stopSignal: 'SIGINT', // "fast" shutdown: ends sessions, checkpoints, exits
    url: (port) => `postgres://postgres@127.0.0.1:${port}/postgres`,
    command: (port) =>
      serverCommand(
        join(install.bin, 'postgres'),
        [
          '-D',
          dataDir,
          '-p',
          String(port),
          '-k',
          folder,
          ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
        ],
        install.user,
      ),
    ready: (port) => isReady(install, port),
    // After a kill, the crashed postmaster's children may hold its shared memory a moment longer.
    transient: /pre-existing shared memory block|lock file ".*" already exists/,
  });
}

let templateDir: Promise<string> | undefined;

/** One initdb per test process; each server starts from a copy. */
function template(install: PostgresInstall): Promise<string> {
  templateDir ??= (async () => {
    const folder = ownedFolder('postgres-template-', install);
    const data = join(folder, 'data');
    // 1 MB WAL segments: a quarter less to copy per server.
    const initdb = [
      '-D',
      data,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
      '--wal-segsize=1',
    ];
    const [command, args] = serverCommand(join(install.bin, 'initdb'), initdb, install.user);
    await run(command, args, { cwd: folder });
    return data;
  })();
  return templateDir;
}

/** A fresh temp folder, owned by the user the server runs as. */
function ownedFolder(prefix: string, { user }: PostgresInstall): string {
  const folder = newFolder(prefix);
  if (user) chownSync(folder, user.uid, user.gid);
  return folder;
}

function isReady({ bin }: PostgresInstall, port: number): Promise<boolean> {
  const args = ['-q', '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-t', '2'];
  return new Promise((resolve) => execFile(join(bin, 'pg_isready'), args, (error) => resolve(!error)));
}
