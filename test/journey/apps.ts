import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { conformanceTest, cjsApp, esmApp, seaApp, tsApp, tsConfig, wasmApp } from './app-sources.js';
import { run } from './run.js';

/** A fresh app: its Keel packages (installed from the tarballs), registry packages and files. */
export interface AppSpec {
  readonly name: string;
  readonly type: 'module' | 'commonjs';
  /** Keel packages, installed from their packed tarballs. */
  readonly keel: readonly string[];
  /** Registry packages and their ranges (dev dependencies, as a user would add them). */
  readonly dev?: Readonly<Record<string, string>>;
  readonly files: Readonly<Record<string, string>>;
  /** `npm install --ignore-scripts`: for an app that only bundles, so no native addon compiles. */
  readonly ignoreScripts?: boolean;
}

/** The apps of the journey. */
export const apps = {
  /** Every runtime package installed, memory used: bundled by esbuild, then run without node_modules. */
  esm: {
    name: 'esm',
    type: 'module',
    keel: [
      '@keel/core',
      '@keel/adapter-kv-memory',
      '@keel/adapter-kv-level',
      '@keel/adapter-sqlite',
      '@keel/adapter-email',
      '@keel/adapter-auth',
      '@keel/wasm-host',
      '@keel/sea',
    ],
    files: { 'app.js': esmApp },
    ignoreScripts: true,
  },
  cjs: { name: 'cjs', type: 'commonjs', keel: ['@keel/core', '@keel/adapter-kv-memory'], files: { 'app.js': cjsApp } },
  ts: {
    name: 'ts',
    type: 'module',
    keel: ['@keel/core', '@keel/adapter-kv-memory'],
    dev: { '@types/node': '^20.19.0' },
    files: { 'app.ts': tsApp, 'tsconfig.json': tsConfig },
  },
  /** The floors of @keel/testing's peer ranges. */
  testing: {
    name: 'testing',
    type: 'module',
    keel: ['@keel/core', '@keel/adapter-kv-memory', '@keel/testing'],
    dev: { vitest: '2.0.0', 'fast-check': '3.22.0' },
    files: { 'kv.test.js': conformanceTest },
  },
  wasm: { name: 'wasm', type: 'module', keel: ['@keel/core', '@keel/wasm-host'], files: { 'app.js': wasmApp } },
  sea: {
    name: 'sea',
    type: 'module',
    keel: ['@keel/core', '@keel/adapter-kv-level', '@keel/sea'],
    files: { 'main.js': seaApp },
  },
} satisfies Record<string, AppSpec>;

/**
 * Writes the app into `root/<name>` and `npm install`s it: Keel from the tarballs (as `file:`
 * dependencies, and as `overrides` for the Keel packages those depend on), everything else from
 * the registry. Returns the app's folder.
 *
 * @example
 * const dir = await installApp('/tmp/journey', apps.cjs, tarballFiles, 60_000, env);
 */
export async function installApp(
  root: string,
  spec: AppSpec,
  tarballs: ReadonlyMap<string, string>,
  timeoutMs: number,
  env: NodeJS.ProcessEnv,
): Promise<string> {
  const dir = join(root, spec.name);
  mkdirSync(dir, { recursive: true });
  const dependencies = Object.fromEntries(
    spec.keel.map((name) => {
      const file = tarballs.get(name);
      if (!file) throw new Error(`no tarball for ${name}`);
      return [name, `file:${file}`];
    }),
  );
  // A Keel package the app's ones depend on (wasm-host → http-client) comes from its tarball too:
  // none is on the registry.
  const overrides = Object.fromEntries(
    [...tarballs].filter(([name]) => !spec.keel.includes(name)).map(([name, file]) => [name, `file:${file}`]),
  );
  const manifest = {
    name: `journey-${spec.name}`,
    private: true,
    type: spec.type,
    dependencies,
    devDependencies: spec.dev,
    overrides,
  };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  for (const [file, text] of Object.entries(spec.files)) writeFileSync(join(dir, file), text);
  const flags = ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];
  await run('npm', spec.ignoreScripts ? [...flags, '--ignore-scripts'] : flags, { cwd: dir, env, timeoutMs });
  return dir;
}
