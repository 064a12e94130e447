import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';

/** A child process of a kill test, started ahead of time: it loads, prints `ready`, and waits for `go`. */
export interface ReadyChild {
  readonly process: ChildProcessWithoutNullStreams;
  /** Resolves once it printed `ready`; rejects if it exits before. */
  readonly ready: Promise<void>;
  /** Resolves once it has exited and all of its output has been read. */
  readonly exited: Promise<void>;
  /** Everything it printed so far (`ready\n` included). */
  output: string;
  errors: string;
}

/**
 * Starts `node <file> ...args` for a kill test. The child prints `ready` once loaded and waits
 * for `go` on stdin, so that its start-up is not part of the run; a test starts the next child
 * while the current one runs, since start-up is most of a child's time.
 *
 * @example
 * const writer = startReadyChild(child.file, [location], cwd);
 * await writer.ready;
 * writer.process.stdin.write('go\n');
 */
export function startReadyChild(file: string, args: readonly string[], cwd: string): ReadyChild {
  const child = spawn(process.execPath, [file, ...args], { cwd });
  const started: ReadyChild = {
    process: child,
    output: '',
    errors: '',
    ready: new Promise((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        started.output += chunk.toString();
        if (started.output.startsWith('ready\n')) resolve();
      });
      child.once('exit', () => reject(new Error(`the child exited before it was ready: ${started.errors}`)));
    }),
    // 'close', not 'exit': only then has all of its output been read.
    exited: new Promise((resolve) => child.once('close', () => resolve())),
  };
  child.stderr.on('data', (chunk: Buffer) => (started.errors += chunk.toString()));
  started.ready.catch(() => undefined);
  return started;
}
