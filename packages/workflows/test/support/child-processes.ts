import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { ChildConfig } from './workflows-child.js';

/**
 * The worker child bundled once into one ES module (the package's source and its dependencies;
 * the database drivers stay external, loaded from their installed paths), so each of the many
 * processes the kill test starts and kills costs a plain `node` start instead of a TypeScript
 * loader's (~0.2 s against ~1–1.5 s on 2 busy cores).
 */
export async function bundleChild(): Promise<{ file: string; remove(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'keel-workflows-child-'));
  const file = join(dir, 'workflows-child.mjs');
  await build({
    entryPoints: [fileURLToPath(new URL('workflows-child.ts', import.meta.url))],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['keel-source'],
    logLevel: 'error',
    // Bundled CommonJS dependencies still require Node's own modules.
    banner: {
      js: "import { createRequire as __keelRequire } from 'node:module'; const require = __keelRequire(import.meta.url);",
    },
    plugins: [
      {
        name: 'installed-drivers',
        setup(b) {
          b.onResolve({ filter: /^(better-sqlite3|pg)$/ }, async (args) => {
            if (args.pluginData === 'installed') return undefined;
            const found = await b.resolve(args.path, {
              kind: args.kind,
              resolveDir: args.resolveDir,
              pluginData: 'installed',
            });
            return { path: found.path, external: true };
          });
        },
      },
    ],
  });
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
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
