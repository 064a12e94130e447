import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A worker child process that reports on stdout, one line each: `ready` once it serves,
 * `start <id>` when it begins a piece of work and `end <id>` when it is done. Kill tests use
 * what it reported to SIGKILL it mid-work (`nextStart`, `inFlight`).
 */
export interface ReportingChild {
  readonly process: ChildProcess;
  readonly pid: number;
  /** Work it has started and not finished, by its own report. */
  readonly inFlight: Set<string>;
  readonly ready: Promise<void>;
  readonly exited: Promise<number | null>;
  /** Resolves at its next `start` line. */
  nextStart(): Promise<void>;
  /**
   * Resolves once it has work in flight (true) or has exited (false). After each `idleMs` without
   * work it awaits `whenIdle`: a kill test tops its queue up there, since the children it kills
   * may have finished the queue between kills, and would otherwise wait for work forever.
   */
  untilWorking(whenIdle: () => Promise<void>, idleMs?: number): Promise<boolean>;
  stderr(): string;
}

/** Starts `node <file> <JSON of config>` (a file `bundleChild` made, typically) and follows its report. */
export function spawnReportingChild(file: string, config: unknown): ReportingChild {
  const proc = spawn(process.execPath, [file, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const inFlight = new Set<string>();
  let stderr = '';
  let buffered = '';
  let readyNow: () => void = () => {};
  const ready = new Promise<void>((resolve) => (readyNow = resolve));
  const waiting: (() => void)[] = [];
  proc.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  proc.stdout?.on('data', (c: Buffer) => {
    buffered += c.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      const [event, id] = line.split(' ');
      if (event === 'ready') readyNow();
      if (event === 'start' && id) {
        inFlight.add(id);
        for (const wake of waiting.splice(0)) wake();
      }
      if (event === 'end' && id) inFlight.delete(id);
    }
  });
  let gone = false;
  const exited = new Promise<number | null>((resolve) =>
    proc.on('exit', (code) => {
      gone = true;
      resolve(code);
    }),
  );
  const nextStart = () => new Promise<void>((resolve) => waiting.push(resolve));
  const untilWorking = async (whenIdle: () => Promise<void>, idleMs = 3000) => {
    let since = performance.now();
    while (inFlight.size === 0 && !gone) {
      await Promise.race([nextStart(), exited, sleep(200)]);
      if (inFlight.size === 0 && !gone && performance.now() - since >= idleMs) {
        await whenIdle();
        since = performance.now();
      }
    }
    return !gone;
  };
  return {
    process: proc,
    pid: proc.pid as number,
    inFlight,
    ready,
    exited,
    nextStart,
    untilWorking,
    stderr: () => stderr,
  };
}
