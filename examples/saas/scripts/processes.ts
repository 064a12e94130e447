import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Starts a server process and resolves with its URL once it prints `listening on <url>`; a
 * process that prints none within `timeoutMs` is killed. The environment is only `env`: no PATH,
 * no NODE_PATH.
 */
export function startServer(
  command: string,
  args: readonly string[],
  cwd: string,
  env: Record<string, string>,
  timeoutMs = 15_000,
): Promise<{ child: ChildProcess; url: string; startedAt: number }> {
  const startedAt = performance.now();
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command}: no URL after ${timeoutMs / 1000} s:\n${output}`));
    }, timeoutMs);
    timer.unref();
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      if (!url) return;
      clearTimeout(timer);
      resolve({ child, url, startedAt });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited (${code}) before listening:\n${output}`));
    });
  });
}

/** SIGTERM, then the exit code. */
export async function stopServer(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}

const exampleDir = fileURLToPath(new URL('..', import.meta.url));

/**
 * The example from its TypeScript source (tsx), with the workspace packages' `src` too (the
 * `keel-source` export condition): nothing needs building. `env` is the whole environment. Slower
 * to start than the executable (transpiling on the fly, the plan rule's component included), hence the minute.
 */
export function startFromSource(env: Record<string, string>, timeoutMs = 60_000): ReturnType<typeof startServer> {
  return startServer(
    process.execPath,
    ['--conditions', 'keel-source', '--import', 'tsx', 'src/main.ts'],
    exampleDir,
    env,
    timeoutMs,
  );
}
