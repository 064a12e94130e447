import { spawn, type SpawnOptions } from 'node:child_process';
import { delimiter } from 'node:path';

/** What a finished command printed and how it ended. */
export interface Ran {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

export interface RunOptions extends Pick<SpawnOptions, 'cwd' | 'env' | 'uid' | 'gid'> {
  /** Killed after this long; the journey passes what is left of its budget. */
  readonly timeoutMs: number;
  /** Resolve with a non-zero status instead of rejecting. */
  readonly allowFailure?: boolean;
}

/**
 * Runs a command without blocking the event loop, so several installs can run at once.
 * Rejects with the command line and its output when it fails, unless `allowFailure`.
 *
 * @example
 * const { stdout } = await run('npm', ['--version'], { timeoutMs: 10_000 });
 */
export function run(command: string, args: readonly string[], options: RunOptions): Promise<Ran> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const { timeoutMs, allowFailure, ...spawnOptions } = options;
    const child = spawn(command, args, { ...spawnOptions, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), Math.max(timeoutMs, 1));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${command} ${args.join(' ')}: ${error.message}`));
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      const ran = { status, signal, stdout, stderr, ms: performance.now() - started };
      if (status === 0 || allowFailure) resolve(ran);
      else {
        const why = signal === 'SIGKILL' ? `killed after ${timeoutMs} ms` : `exit ${status ?? signal}`;
        reject(new Error(`${command} ${args.join(' ')} (in ${String(options.cwd)}): ${why}\n${stdout}\n${stderr}`));
      }
    });
  });
}

/**
 * The environment of a user's shell: this process's without what the test run adds. A `pnpm run`
 * parent passes `npm_*` settings (they would configure npm as pnpm is), `NODE_PATH` into the
 * repository's store and its `node_modules/.bin` on `PATH`, so an app could resolve packages it
 * never installed; vitest adds `VITEST*`. The registry, proxy and CA settings stay.
 */
export function userEnv(repo: string): NodeJS.ProcessEnv {
  const kept = /^npm_config_(registry|cache|userconfig|(https?_)?proxy|noproxy|strict_ssl|cafile|ca)$/i;
  const dropped = /^((npm|pnpm)_.*|NODE_PATH|NODE_ENV|TEST|VITEST.*|KEEL_.*)$/i;
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (kept.test(key) || !dropped.test(key)) env[key] = value;
  env.PATH = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => !dir.startsWith(repo))
    .join(delimiter);
  return { ...env, npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' };
}
