import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A redis-server of the test's own, for faults the shared one must not suffer (being stopped, TLS only). */
export interface PrivateRedis {
  readonly port: number;
  /** Stops the server (SIGKILL: no goodbye to clients). */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
  /** Stops it and removes its folder. */
  dispose(): Promise<void>;
}

/** Starts `redis-server` on a free port; `tls: true` serves TLS only, with a fresh self-signed certificate. */
export async function privateRedis(options: { tls?: boolean } = {}): Promise<PrivateRedis> {
  const folder = mkdtempSync(join(tmpdir(), 'keel-redis-'));
  const port = await freePort();
  const args = ['--save', '', '--appendonly', 'no', '--dir', folder, '--bind', '127.0.0.1'];
  if (options.tls) {
    const key = join(folder, 'key.pem');
    const cert = join(folder, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert]
      .concat(['-days', '1', '-subj', '/CN=localhost']), { stdio: 'ignore' });
    args.push('--port', '0', '--tls-port', String(port), '--tls-cert-file', cert, '--tls-key-file', key);
    args.push('--tls-auth-clients', 'no');
  } else {
    args.push('--port', String(port));
  }
  let child: ChildProcess | undefined;
  const server: PrivateRedis = {
    port,
    async start() {
      child = spawn('redis-server', args, { stdio: 'ignore' });
      await listening(port);
    },
    async kill() {
      const running = child;
      child = undefined;
      if (running === undefined || running.exitCode !== null) return;
      await new Promise((resolve) => {
        running.once('exit', resolve);
        running.kill('SIGKILL');
      });
    },
    async dispose() {
      await server.kill();
      rmSync(folder, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function listening(port: number): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server did not listen on port ${port}`);
}
