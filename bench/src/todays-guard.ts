/**
 * "Today's" guard for the observability bench: core and the kv-memory and sqlite adapters as they
 * were just before observability came (the parent of the first commit that added
 * `packages/core/src/observability`, or `KEEL_BENCH_BASELINE`), bundled once into
 * `bench/.baseline/` so that they run beside the current code in one interleaved table.
 * `undefined` (with the reason printed) when git cannot give the sources.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Kv, Sql } from '@keel/core';
import { build } from 'esbuild';

export interface TodaysAdapters {
  readonly commit: string;
  createMemoryKv(): Kv;
  createSqliteSql(options: { filename: string }): Sql;
}

const root = fileURLToPath(new URL('../..', import.meta.url));

export async function todaysAdapters(): Promise<TodaysAdapters | undefined> {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
  let commit: string;
  try {
    const first = git('rev-list', '--reverse', 'HEAD', '--', 'packages/core/src/observability').split('\n')[0];
    commit = git('rev-parse', process.env.KEEL_BENCH_BASELINE ?? `${first}^`);
  } catch (error) {
    console.log(`(no "today" row: git could not name the baseline commit: ${(error as Error).message.split('\n')[0]})`);
    return undefined;
  }
  const dir = join(root, 'bench', '.baseline', commit.slice(0, 12));
  const bundle = join(dir, 'today.mjs');
  if (!existsSync(bundle)) {
    mkdirSync(dir, { recursive: true });
    const paths = ['packages/core/src', 'packages/adapter-kv-memory/src', 'packages/adapter-sqlite/src'];
    const archive = execFileSync('git', ['archive', commit, ...paths], { cwd: root });
    execFileSync('tar', ['-x', '-C', dir], { input: archive });
    const entry = join(dir, 'entry.ts');
    writeFileSync(
      entry,
      "export { createMemoryKv } from './packages/adapter-kv-memory/src/index.ts';\n" +
        "export { createSqliteSql } from './packages/adapter-sqlite/src/index.ts';\n",
    );
    await build({
      entryPoints: [entry],
      outfile: bundle,
      bundle: true,
      platform: 'node',
      format: 'esm',
      logLevel: 'error',
      alias: {
        '@keel/core/adapter': join(dir, 'packages/core/src/adapter.ts'),
        '@keel/core': join(dir, 'packages/core/src/index.ts'),
      },
      // The baseline's own dependencies (neverthrow, valibot, …) come from today's packages.
      nodePaths: ['core', 'adapter-kv-memory', 'adapter-sqlite'].map((p) => join(root, 'packages', p, 'node_modules')),
      external: ['better-sqlite3'],
      banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    });
  }
  const loaded = (await import(pathToFileURL(bundle).href)) as Omit<TodaysAdapters, 'commit'>;
  return { commit, createMemoryKv: loaded.createMemoryKv, createSqliteSql: loaded.createSqliteSql };
}
