import { bundleChild as bundle } from '@keel/testing';
import { type ChildProcess, spawn } from 'node:child_process';
import type { ChildConfig } from './jobs-child.js';

/** The child bundled once (the drivers as installed), so that each of the many starts is a plain `node` start. */
export function bundleChild(): Promise<{ file: string; remove(): void }> {
  return bundle(new URL('jobs-child.ts', import.meta.url), { external: /^better-sqlite3$/ });
}

/** A running worker child and what it reported. */
export interface Child {
  readonly process: ChildProcess;
  readonly pid: number;
  /** Jobs it has started and not finished, by its own report. */
  readonly inFlight: Set<string>;
  readonly ready: Promise<void>;
  readonly exited: Promise<number | null>;
  /** Resolves at its next `start` line. */
  nextStart(): Promise<void>;
  stderr(): string;
}

export function spawnChild(file: string, config: ChildConfig): Child {
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
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return {
    process: proc,
    pid: proc.pid as number,
    inFlight,
    ready,
    exited,
    nextStart: () => new Promise((resolve) => waiting.push(resolve)),
    stderr: () => stderr,
  };
}

/** The tables the children log runs and effects in, beside the jobs table. */
export function logTables(table: string): string {
  return [
    `CREATE TABLE ${table}_runs (job_id VARCHAR(36) NOT NULL, attempt INTEGER NOT NULL, pid INTEGER NOT NULL)`,
    `CREATE TABLE ${table}_effects (job_id VARCHAR(36) PRIMARY KEY, pid INTEGER NOT NULL)`,
  ].join(';\n');
}
