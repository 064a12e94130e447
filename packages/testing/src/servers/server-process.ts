import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './free-port.js';
import type { PrivateServer, StopOptions } from './private-server.js';
import { removeFolder, trackChild } from './process-reaper.js';

/** What a kind of server needs to run as a `PrivateServer`. */
export interface ServerSpec {
  /** For messages: `PostgreSQL`, `Redis`. */
  readonly name: string;
  /** The server's own temp folder; `stop()` removes it. */
  readonly folder: string;
  readonly dataDir: string;
  /** Where the server's stdout and stderr go; its tail explains a failed start. */
  readonly logFile: string;
  readonly timeoutMs: number;
  /** The signal that shuts the server down cleanly. */
  readonly stopSignal: NodeJS.Signals;
  url(port: number): string;
  command(port: number): [string, string[]];
  /** Whether the server on `port` accepts connections now. */
  ready(port: number): Promise<boolean>;
  /** A log message after which the same start may simply be tried again a moment later. */
  readonly transient?: RegExp;
}

interface Running {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
}

const portTaken = /address already in use/i;
const stopTimeoutMs = 15_000;

/** Starts the server on a free port (another one if that is taken meanwhile) and wraps it. */
export async function launchServer(spec: ServerSpec): Promise<PrivateServer> {
  let port = await freePort();
  let running: Running | undefined;
  let removed = false;
  for (let attempt = 1; !running; attempt++) {
    try {
      running = await start(spec, port);
    } catch (error) {
      if (!(error instanceof StartError && portTaken.test(error.log)) || attempt === 3) {
        removeFolder(spec.folder); // the caller never gets a server to stop
        throw error;
      }
      port = await freePort();
    }
  }

  const stop = async ({ keepData = false }: StopOptions = {}) => {
    if (running) {
      const { child, exited } = running;
      running = undefined;
      child.ref(); // keeps the test process alive until the server has gone
      child.kill(spec.stopSignal);
      const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
      await exited;
      clearTimeout(timer);
    }
    if (!keepData && !removed) {
      removed = true;
      removeFolder(spec.folder);
    }
  };
  return {
    url: spec.url(port),
    port,
    dataDir: spec.dataDir,
    get pid() {
      return running?.child.pid;
    },
    async kill() {
      if (!running) return;
      const { child, exited } = running;
      running = undefined;
      child.ref();
      child.kill('SIGKILL');
      await exited;
    },
    stop,
    async restart() {
      if (removed) throw new Error(`${spec.name} was stopped and its folder removed; start a new one`);
      await stop({ keepData: true });
      running = await start(spec, port);
    },
  };
}

class StartError extends Error {
  constructor(
    message: string,
    readonly log: string,
  ) {
    super(`${message}; its log ends:\n${log}`);
  }
}

/** Spawns the server and waits until it accepts connections, retrying transient failures. */
async function start(spec: ServerSpec, port: number): Promise<Running> {
  const deadline = Date.now() + spec.timeoutMs;
  for (;;) {
    const offset = existsSync(spec.logFile) ? statSync(spec.logFile).size : 0;
    const running = spawnServer(spec, port);
    const outcome = await readiness(spec, port, running, deadline);
    if (outcome === 'ready') return running;
    const log = logTail(spec.logFile, offset);
    if (outcome === 'timeout') {
      running.child.ref();
      running.child.kill('SIGKILL');
      await running.exited;
      throw new StartError(`${spec.name} did not accept connections on port ${port} within ${spec.timeoutMs} ms`, log);
    }
    if (!spec.transient?.test(log) || Date.now() > deadline) {
      throw new StartError(`${spec.name} exited before accepting connections on port ${port}`, log);
    }
    await sleep(50);
  }
}

function spawnServer(spec: ServerSpec, port: number): Running {
  const log = openSync(spec.logFile, 'a');
  const [command, args] = spec.command(port);
  try {
    const child = spawn(command, args, { cwd: spec.folder, stdio: ['ignore', log, log] });
    child.unref();
    trackChild(child);
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.on('error', () => resolve());
    });
    return { child, exited };
  } finally {
    closeSync(log);
  }
}

async function readiness(
  spec: ServerSpec,
  port: number,
  { exited }: Running,
  deadline: number,
): Promise<'ready' | 'exited' | 'timeout'> {
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  while (Date.now() < deadline) {
    if (gone) return 'exited';
    if (await spec.ready(port)) return gone ? 'exited' : 'ready';
    await sleep(20);
  }
  return 'timeout';
}

function logTail(file: string, offset: number): string {
  const text = existsSync(file) ? readFileSync(file).subarray(offset).toString('utf8') : '';
  return (
    text.trimEnd().split('\n').slice(-20).join('\n') || '(empty: the server wrote nothing — is the command right?)'
  );
}
