import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

export interface RunBuiltOptions {
  /** How node reads the script: as an ES module, or as a CommonJS app (wrapped in an async function). */
  readonly type?: 'module' | 'commonjs';
  /** @default 30_000 */
  readonly timeoutMs?: number;
}

/**
 * Runs `code` in a plain `node` from `folder` — no source condition, so `@keel/*` resolve to
 * their built `dist` the way an app gets them (a package resolves itself by its own name).
 *
 * @example
 * const child = runBuilt(new URL('..', import.meta.url), `import { createCache } from '@keel/cache'; ...`);
 */
export function runBuilt(folder: URL, code: string, options: RunBuiltOptions = {}): SpawnSyncReturns<string> {
  const type = options.type ?? 'module';
  // CommonJS has no top-level await: the same script runs inside an async function.
  const source = type === 'commonjs' ? `(async () => { ${code} })()` : code;
  return spawnSync(process.execPath, ['--no-warnings', `--input-type=${type}`, '-e', source], {
    cwd: fileURLToPath(folder),
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 30_000,
  });
}

/** What a built script printed as its last line, parsed; fails the test on anything on stderr. */
export function builtOutput(child: SpawnSyncReturns<string>): unknown {
  expect(child.stderr).toBe('');
  const lines = child.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? '');
}

export interface BuiltPackageOptions extends RunBuiltOptions {
  /** The package's folder (`new URL('..', import.meta.url)` from its `test/`). */
  readonly folder: URL;
  /** An ES module script that prints one JSON line with `console.log`. */
  readonly script: string;
  /** What that line must equal. */
  readonly expected: unknown;
  /** @default 'works from plain node with the built packages' */
  readonly title?: string;
}

/**
 * The smoke test every package has: its `dist` exists, and a script importing it (and the built
 * core and adapters) from plain node prints what it should.
 *
 * @example
 * describeBuiltPackage({ folder: new URL('..', import.meta.url), script, expected: { loads: 1 } });
 */
export function describeBuiltPackage(options: BuiltPackageOptions): void {
  describe('built package', () => {
    it('exists (run `pnpm build` first)', () => {
      expect(existsSync(new URL('dist/index.js', withSlash(options.folder)))).toBe(true);
    });
    it(options.title ?? 'works from plain node with the built packages', () => {
      expect(builtOutput(runBuilt(options.folder, options.script, options))).toEqual(options.expected);
    });
  });
}

function withSlash(url: URL): URL {
  return url.href.endsWith('/') ? url : new URL(`${url.href}/`);
}
