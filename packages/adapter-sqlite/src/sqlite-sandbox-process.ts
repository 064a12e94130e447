import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** What the sandbox's process opens: sent as its first request. */
export interface SandboxInit {
  readonly filename: string;
  readonly readOnly: boolean;
  readonly foreignKeys: boolean;
  readonly busyTimeoutMs: number;
  readonly maxResultBytes: number;
  readonly deadlineMs: number;
  readonly statements: Readonly<Record<string, string>> | undefined;
  readonly nativeBinding: string | undefined;
}

/** How the process answered a failed request: our code, SQLite's, or a JavaScript error's name. */
export type ChildFailure =
  | { readonly code: string; readonly message: string }
  | { readonly sqlite: string; readonly message: string }
  | { readonly name: string; readonly message: string };

/** A request the process failed, with its answer. */
export class ChildError extends Error {
  constructor(readonly failure: ChildFailure) {
    super(failure.message);
  }
}

/** The process itself failed: killed at a deadline, out of memory, or gone. */
export class ProcessFailure extends Error {
  constructor(
    readonly code: 'TIMEOUT' | 'TOO_LARGE' | 'CONNECTION' | 'INTERNAL',
    message: string,
  ) {
    super(message);
  }
}

interface Pending {
  readonly id: number;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

const childScript = fileURLToPath(new URL('./sandbox/sqlite-sandbox-child.js', import.meta.url));

/** The child script is on disk (it is not inside a single executable, which bundles no files). */
export function sandboxAvailable(): boolean {
  return existsSync(childScript);
}
const MiB = 1024 * 1024;
/**
 * What node, better-sqlite3 and the watchdog thread need before any result. RLIMIT_DATA also
 * counts the address space V8 reserves for each isolate, which grew on newer lines: with the
 * watchdog's worker, node 20 and 22 start under 256 MiB, node 24 and 26 need 1280 MiB (measured
 * with `ulimit -d` on each line). Either way the limit stays per sandbox process, apart from the app.
 */
const baseMemory = (Number(process.versions.node.split('.')[0]) >= 24 ? 1536 : 192) * MiB;
// A start normally takes well under a second; on a 2-core machine busy with other processes
// (a CI run's parallel tests) one took over 10 s. Only a process that never answers waits this out.
const startTimeoutMs = 30_000;

/**
 * The sandbox's child process: started on first use, one request at a time, each with the
 * deadline after which the process is killed (SIGKILL) and the request fails with `TIMEOUT`;
 * the next request starts a fresh one. `generation` counts the processes, so that a transaction
 * begun in one is known to be gone in the next.
 *
 * Memory: on POSIX the process starts under `ulimit -d` (RLIMIT_DATA) of `baseMemory` plus four
 * times the result budget, and its JavaScript heap is capped, so a statement that builds huge values
 * fails (SQLite's out-of-memory, or V8 aborting the process) inside the process, not in the app.
 */
export class SandboxProcess {
  /** The live process, starting or ready: the one whose exit concerns the request in flight. */
  private current: ChildProcess | undefined;
  /** The live process once its connection is open. */
  private ready: ChildProcess | undefined;
  private starting: Promise<ChildProcess> | undefined;
  private pending: Pending | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private nextId = 1;
  private outstanding = 0;
  private closed = false;
  private stderrTail = '';
  generation = 0;

  constructor(private readonly init: SandboxInit) {}

  /** Requests sent or waiting their turn. */
  get busy(): boolean {
    return this.outstanding > 0;
  }

  /** Starts the process and opens its connection; rejects with what opening failed with. */
  async start(): Promise<void> {
    await this.ensure();
  }

  /**
   * Sends one request after the ones before it. Its deadline starts when the process is ready,
   * so a restart does not count against it.
   */
  request(message: Record<string, unknown>): Promise<unknown> {
    this.outstanding++;
    const run = this.queue
      .then(async () => {
        if (this.closed) throw new ProcessFailure('CONNECTION', 'the sandbox is closed');
        const { deadlineMs } = this.init;
        return this.exchange(await this.ensure(), message, deadlineMs, {
          code: 'TIMEOUT',
          message: `the statement ran past its ${deadlineMs} ms deadline and was stopped`,
        });
      })
      .finally(() => {
        this.outstanding--;
      });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Stops the request in flight, if any: it fails with `TIMEOUT`. */
  interrupt(message: string): void {
    if (this.pending) this.kill('TIMEOUT', message);
  }

  /**
   * Kills the process now; the request in flight fails with `code`. After a deadline the next
   * process starts at once, so that the next request finds it ready.
   */
  kill(code: ProcessFailure['code'], message: string): void {
    const child = this.current;
    this.current = undefined;
    this.ready = undefined;
    this.generation++;
    const pending = this.pending;
    this.pending = undefined;
    if (pending?.timer) clearTimeout(pending.timer);
    child?.kill('SIGKILL');
    pending?.reject(new ProcessFailure(code, message));
    if (code === 'TIMEOUT' && !this.closed) this.ensure().catch(() => undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    const child = this.current ?? (await this.starting?.catch(() => undefined));
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    this.kill('INTERNAL', 'the sandbox was closed during the statement');
    await exited;
  }

  /** One message and its answer; past `deadlineMs` the process is killed and it fails with `late`. */
  private exchange(
    child: ChildProcess,
    message: Record<string, unknown>,
    deadlineMs: number,
    late: { readonly code: ProcessFailure['code']; readonly message: string },
  ): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      const pending: Pending = { id, resolve, reject, timer: undefined };
      this.pending = pending;
      pending.timer = setTimeout(() => this.kill(late.code, late.message), deadlineMs);
      hold(child, true);
      child.send({ ...message, id });
    });
  }

  private ensure(): Promise<ChildProcess> {
    if (this.ready) return Promise.resolve(this.ready);
    this.starting ??= this.spawn().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async spawn(): Promise<ChildProcess> {
    const child = launch(this.init.maxResultBytes);
    this.current = child;
    this.stderrTail = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-2000);
    });
    child.on('message', (reply: { id: number; ok?: unknown; error?: ChildFailure }) => {
      const pending = this.pending;
      if (this.current !== child || !pending || pending.id !== reply.id) return;
      this.pending = undefined;
      clearTimeout(pending.timer);
      hold(child, false);
      if (reply.error) pending.reject(new ChildError(reply.error));
      else pending.resolve(reply.ok);
    });
    // A process this object killed is no longer current: its exit concerns no request.
    child.on('exit', (code, signal) => {
      if (this.current !== child) return;
      // V8 aborts the process when a value does not fit its capped heap.
      const outOfMemory = signal === 'SIGABRT' || code === 134;
      const how = signal ? `signal ${signal}` : `code ${code}`;
      if (outOfMemory)
        this.kill('TOO_LARGE', `the statement ran out of the sandbox's memory (its process ended, ${how})`);
      else this.kill('INTERNAL', `the sandbox's process ended (${how}) ${this.stderrTail.slice(-300)}`);
    });
    child.on('error', (error) => {
      if (this.current === child) this.kill('CONNECTION', `the sandbox's process failed: ${error.message}`);
    });
    try {
      await this.exchange(child, { op: 'open', init: this.init }, startTimeoutMs, {
        code: 'CONNECTION',
        message: `the sandbox's process did not start within ${startTimeoutMs} ms`,
      });
    } catch (error) {
      if (this.current === child) this.kill('CONNECTION', 'the sandbox failed to open');
      throw error;
    }
    if (this.current !== child) throw new ProcessFailure('CONNECTION', 'the sandbox ended while it started');
    this.ready = child;
    hold(child, false);
    return child;
  }
}

/**
 * Starts `node` on the child script, under a data-segment limit where a POSIX shell can set one.
 * It gets no environment (nothing of the app's reaches it) and no stdin; stderr is kept for
 * messages.
 */
function launch(maxResultBytes: number): ChildProcess {
  const heapMb = 64 + Math.ceil((2 * maxResultBytes) / MiB);
  const dataKb = Math.ceil((baseMemory + 4 * maxResultBytes) / 1024);
  const args = [`--max-old-space-size=${heapMb}`, childScript];
  const options: SpawnOptions = {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    serialization: 'advanced',
    env: {},
    windowsHide: true,
  };
  if (process.platform === 'win32') return spawn(process.execPath, args, options);
  return spawn('/bin/sh', ['-c', `ulimit -d ${dataKb} && exec "$0" "$@"`, process.execPath, ...args], options);
}

/** An idle sandbox does not keep the app's event loop alive; one running a statement does. */
function hold(child: ChildProcess, busy: boolean): void {
  const channel = child.channel as { ref?: () => void; unref?: () => void } | null | undefined;
  if (busy) {
    child.ref();
    channel?.ref?.();
  } else {
    child.unref();
    channel?.unref?.();
  }
}
