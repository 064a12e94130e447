import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeArtifacts } from './app-sources.js';
import { dependencyClosure } from './closure.js';
import { apps, installApp, type AppSpec } from './apps.js';
import { run, userEnv } from './run.js';
import { folderBytes, kilobytes, megabytes, packageSizes } from './sizes.js';
import { packAll, type Tarball } from './tarballs.js';

// The user's journey (issue 12): the packages as `pnpm pack` makes them, installed with npm into
// fresh apps, bundled, type-checked, tested, built into an executable. Needs `pnpm build` first
// and the npm registry. The figures it prints (bundle, install and executable sizes) are the ones
// to quote. KEEL_JOURNEY_KEEP=1 keeps the folder (tarballs, apps, bundle, executable) to look at.
const repo = fileURLToPath(new URL('../../', import.meta.url));
const env = userEnv(repo);
/** The whole journey, installs included; each command gets what is left of it. */
const BUDGET_MS = 240_000;

const registry = await run('npm', ['ping', '--fetch-retries=0', '--fetch-timeout=10000'], {
  env,
  timeoutMs: 15_000,
  allowFailure: true,
}).catch((error: Error) => ({ status: 1, stderr: error.message }));
const offline = registry.status !== 0 && !process.env.CI;
if (offline) console.warn(`journey skipped: the npm registry cannot be reached and CI is not set\n${registry.stderr}`);

const journey = "a new user's journey: pack, install, bundle, type-check, build an executable";
// Each test waits for its app's install, which runs from the start: the budget bounds them all.
describe.skipIf(offline)(journey, { timeout: BUDGET_MS }, () => {
  let started = performance.now();
  const left = () => Math.max(BUDGET_MS - (performance.now() - started), 1);
  const figures: string[] = [];
  const installs = new Map<string, Promise<string>>();
  let work: string;
  let tarballs: Tarball[];

  const app = (spec: AppSpec) => installs.get(spec.name) as Promise<string>;
  const node = (cwd: string, args: string[]) => run(process.execPath, args, { cwd, env, timeoutMs: left() });
  const tarball = (name: string) => tarballs.find((t) => t.name === name) as Tarball;

  beforeAll(async () => {
    started = performance.now();
    const missing = readdirSync(join(repo, 'packages')).filter((p) => !existsSync(join(repo, 'packages', p, 'dist')));
    if (missing.length > 0) throw new Error(`build the packages first (pnpm build): no dist in ${missing.join(', ')}`);
    work = mkdtempSync(join(tmpdir(), 'keel-journey-'));
    mkdirSync(join(work, 'packs'));
    tarballs = await packAll(repo, join(work, 'packs'), left());
    const files = new Map(tarballs.map((t) => [t.name, t.file]));
    // All installs at once; each test waits for its own app.
    for (const spec of Object.values(apps)) {
      const installing = installApp(join(work, 'apps'), spec, files, left(), env);
      installing.catch(() => undefined); // awaited by its test; not an unhandled rejection meanwhile
      installs.set(spec.name, installing);
    }
  }, BUDGET_MS);

  afterAll(() => {
    if (figures.length > 0) console.log(`Journey figures (Node ${process.version}):\n${figures.join('\n')}`);
    if (process.env.KEEL_JOURNEY_KEEP) console.log(`journey folder kept: ${work}`);
    else if (work) rmSync(work, { recursive: true, force: true });
  });

  it('packs every package with its LICENSE, exports only to shipped files, source maps without sources', () => {
    expect(tarballs.map((t) => t.name).sort()).toEqual(
      readdirSync(join(repo, 'packages'))
        .map(
          (p) => (JSON.parse(readFileSync(join(repo, 'packages', p, 'package.json'), 'utf8')) as { name: string }).name,
        )
        .sort(),
    );
    expect(Object.fromEntries(tarballs.map((t) => [t.name, t.problems]))).toEqual(
      Object.fromEntries(tarballs.map((t) => [t.name, []])),
    );
    for (const t of tarballs)
      figures.push(`  tarball ${t.name}: ${kilobytes(t.packedBytes)} packed, ${kilobytes(t.unpackedBytes)} unpacked`);
  });

  it('runs an ESM app with every package installed, and bundles it with esbuild (no flags) to core + kv-memory', async () => {
    const dir = await app(apps.esm);
    const direct = await node(dir, ['app.js']);
    const printed = JSON.parse(direct.stdout) as {
      value: string;
      code: string;
      kvError: boolean;
      unregistered: string[];
    };
    expect(printed).toMatchObject({ value: 'hello', code: 'INVALID_ARGUMENT', kvError: true });
    expect(printed.unregistered[0]).toMatch(/^kv\.adapter: .*@keel\/adapter-kv-level.*register/);

    const esbuild = ['app.js', '--bundle', '--platform=node', '--format=esm', '--outfile=out/bundle.js'];
    await run(join(dir, 'node_modules/.bin/esbuild'), [...esbuild, '--metafile=out/meta.json'], {
      cwd: dir,
      env,
      timeoutMs: left(),
    });
    // The bundle runs alone: a folder with nothing else in it.
    const alone = join(work, 'bundle-alone');
    mkdirSync(alone);
    copyFileSync(join(dir, 'out/bundle.js'), join(alone, 'bundle.mjs'));
    expect(JSON.parse((await node(alone, ['bundle.mjs'])).stdout)).toEqual(printed);

    const meta = JSON.parse(readFileSync(join(dir, 'out/meta.json'), 'utf8')) as {
      outputs: Record<string, { bytes: number; inputs: Record<string, { bytesInOutput: number }> }>;
    };
    const output = meta.outputs['out/bundle.js'] as {
      bytes: number;
      inputs: Record<string, { bytesInOutput: number }>;
    };
    const byPackage = new Map<string, number>();
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = [...input.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)\//g)].at(-1)?.[1] ?? 'the app';
      byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
    }
    // Only core, kv-memory and what they depend on; nothing that only the other packages bring
    // (nodemailer, better-sqlite3, wasm-host, …), though every one of them is installed.
    const modules = join(dir, 'node_modules');
    const memoryOnly = dependencyClosure(modules, ['@keel/core', '@keel/adapter-kv-memory']);
    const others = apps.esm.keel.filter((name) => !memoryOnly.has(name));
    expect(others).toHaveLength(apps.esm.keel.length - 2); // core depends on no other Keel package
    const theirs = [...dependencyClosure(modules, others)].filter((name) => !memoryOnly.has(name));
    expect(theirs).toEqual(expect.arrayContaining(['nodemailer', 'better-sqlite3', '@keel/wasm-host']));
    const bundled = [...byPackage.keys()].filter((name) => name !== 'the app');
    expect(bundled.filter((name) => !memoryOnly.has(name))).toEqual([]);
    const parts = [...byPackage].sort((a, b) => b[1] - a[1]).map(([name, bytes]) => `${name} ${kilobytes(bytes)}`);
    figures.push(`  bundle (esbuild ${esbuild.join(' ')}): ${kilobytes(output.bytes)} = ${parts.join(', ')}`);
    figures.push(
      `  install, every runtime package (--ignore-scripts): ${megabytes(folderBytes(join(dir, 'node_modules')))}`,
    );
  });

  it('runs a CommonJS app: require() and import() give one copy of Keel, the same errors and paths', async () => {
    const dir = await app(apps.cjs);
    const out = JSON.parse((await node(dir, ['app.js'])).stdout) as {
      same: boolean;
      kvError: unknown;
      code: string;
      issues: { cjs: { issues: string[] }; esm: unknown };
    };
    expect(out).toMatchObject({ same: true, kvError: { cjs: true, esm: true }, code: 'INVALID_ARGUMENT' });
    expect(out.issues.cjs).toMatchObject({ cjs: true, esm: true });
    expect(out.issues.esm).toEqual(out.issues.cjs);
    expect(out.issues.cjs.issues).toEqual([
      expect.stringMatching(/^kv\.options\.sweepIntervalMs: expected an integer/),
    ]);
    figures.push(`  install, core + kv-memory: ${megabytes(folderBytes(join(dir, 'node_modules')))}`);
  });

  it('type-checks a TypeScript app with tsc (NodeNext, strict)', async () => {
    const dir = await app(apps.ts);
    // The repository's TypeScript (the version Keel is built with) checks the app's installed types.
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const checked = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], {
      cwd: dir,
      env,
      timeoutMs: left(),
      allowFailure: true,
    });
    expect(checked.stdout).toBe('');
    expect(checked.status).toBe(0);
  });

  it('runs a @keel/testing suite on vitest 2.0.0 and fast-check 3.22.0, the floors of its peer ranges', async () => {
    const dir = await app(apps.testing);
    const peers = (tarball('@keel/testing').manifest.peerDependencies ?? {}) as Record<string, string>;
    expect(peers).toMatchObject({ vitest: '>=2.0.0', 'fast-check': '^3.22.0 || ^4.0.0' });
    const vitest = join(dir, 'node_modules/.bin/vitest');
    const ran = await run(vitest, ['run', '--reporter=json', '--outputFile=result.json'], {
      cwd: dir,
      env,
      timeoutMs: left(),
      allowFailure: true,
    });
    const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as {
      numPassedTests: number;
      numFailedTests: number;
    };
    expect({ status: ran.status, failed: result.numFailedTests }, ran.stderr).toEqual({ status: 0, failed: 0 });
    expect(result.numPassedTests).toBeGreaterThan(50);
  });

  it('installs @keel/wasm-host without jco-transpile and runs a pre-transpiled component', async () => {
    const dir = await app(apps.wasm);
    const modules = join(dir, 'node_modules');
    const sizes = packageSizes(modules);
    const largest = sizes.slice(0, 4).map((p) => `${p.name} ${megabytes(p.bytes)}`);
    figures.push(`  install, core + wasm-host: ${megabytes(folderBytes(modules))} (largest: ${largest.join(', ')})`);
    // The artifact is made where jco is (the repository); the app loads it with no jco at all.
    copyFileSync(join(repo, 'packages/wasm-host/fixtures/components/pure.wasm'), join(dir, 'pure.wasm'));
    const script = ['--input-type=module', '-e', makeArtifacts, join(dir, 'pure.wasm'), join(dir, 'artifacts.json')];
    await run(process.execPath, script, { cwd: repo, env, timeoutMs: left() });
    expect(JSON.parse((await node(dir, ['app.js'])).stdout)).toEqual({ loadedFrom: 'embedded', add: 5 });
    const transpiler = sizes.map((p) => p.name).filter((name) => /jco-transpile|binaryen/.test(name));
    expect(transpiler, 'jco-transpile must be an optional peer: pre-transpiled use installs no binaryen').toEqual([]);
  });

  describe('an executable built by keel sea from the packed @keel/sea (kv on LevelDB)', () => {
    let binary: string;

    beforeAll(async () => {
      const dir = await app(apps.sea);
      const built = await run(join(dir, 'node_modules/.bin/keel-sea'), ['sea', 'main.js', '--out', 'dist/app'], {
        cwd: dir,
        env,
        timeoutMs: left(),
      });
      binary = join(dir, 'dist/app');
      const bytes = statSync(binary).size;
      // The size is printed in MiB, and says so.
      const mib = (bytes / 1024 / 1024).toFixed(1);
      expect(built.stderr).toContain(`Built ${binary}: ${mib} MiB (bundle `);
      figures.push(`  executable: ${mib} MiB (${megabytes(bytes)}), built in ${(built.ms / 1000).toFixed(1)} s`);
    }, BUDGET_MS);

    it('runs where HOME is not writable (a system service), keeping its data across runs', async () => {
      const folder = mkdtempSync(join(work, 'service-'));
      copyFileSync(binary, join(folder, 'app'));
      chmodSync(join(folder, 'app'), 0o755);
      const tmp = join(folder, 'tmp');
      mkdirSync(tmp);
      // Root could create /nonexistent, so as root the executable runs as `nobody`, for whom it cannot.
      const user = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
      if (user.uid !== undefined) {
        chmodSync(work, 0o711);
        for (const dir of [folder, tmp]) chownSync(dir, user.uid, user.gid);
      }
      const service = { PATH: '/usr/bin:/bin', HOME: '/nonexistent', TMPDIR: tmp };
      const start = () =>
        run(join(folder, 'app'), [], { cwd: folder, env: service, timeoutMs: Math.min(left(), 30_000), ...user });
      expect(JSON.parse((await start()).stdout)).toEqual({ runs: 1 });
      expect(JSON.parse((await start()).stdout)).toEqual({ runs: 2 });
      const cache = join(tmp, `keel-sea-${user.uid ?? process.getuid?.()}`);
      expect(readdirSync(cache).filter((f) => f.endsWith('.node'))).toEqual([
        expect.stringMatching(/classic-level\.node$/),
      ]);
    });

    it('stops with an error naming KEEL_SEA_CACHE when no folder can hold its addon', async () => {
      const folder = mkdtempSync(join(work, 'nowhere-'));
      copyFileSync(binary, join(folder, 'app'));
      chmodSync(join(folder, 'app'), 0o755);
      // Unusable even for root: every candidate under a regular file, and a file where `.keel-sea` goes.
      const file = join(folder, 'a-file');
      writeFileSync(file, '');
      writeFileSync(join(folder, '.keel-sea'), '');
      const nowhere = {
        PATH: '/usr/bin:/bin',
        KEEL_SEA_CACHE: join(file, 'c'),
        HOME: join(file, 'h'),
        TMPDIR: join(file, 't'),
      };
      const ran = await run(join(folder, 'app'), [], {
        cwd: folder,
        env: nowhere,
        timeoutMs: 30_000,
        allowFailure: true,
      });
      expect(ran.status).toBe(1);
      expect(ran.stderr).toMatch(/^keel sea: no folder to write native addons to; set KEEL_SEA_CACHE to a folder/);
      expect(ran.stderr.match(/^ {2}- /gm)).toHaveLength(4);
    });
  });
});
