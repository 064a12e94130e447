import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { type ReadmeBlock, readmes, tsBlocks } from './readme-blocks.js';

// Every TypeScript block of every README is type-checked against the packages' sources, as
// its own module (imports included: a block is what a user copies). Blocks marked ```ts run
// are also run, each in an empty working folder.
const root = fileURLToPath(new URL('../..', import.meta.url));
// Inside the repository (so that @keel/* resolve), one folder per run (runs may overlap).
mkdirSync(join(root, 'test/docs/.blocks'), { recursive: true });
const folder = mkdtempSync(join(root, 'test/docs/.blocks/run-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const blocks = readmes(root).flatMap((readme) => tsBlocks(root, readme));
const file = (block: ReadmeBlock, i: number) =>
  join(folder, `${block.readme.replaceAll('/', '_').replace('.md', '')}-${i}.ts`);
for (const [i, block] of blocks.entries()) writeFileSync(file(block, i), `${block.code}\nexport {};\n`);

/** Type errors per block file, from one program over all of them. */
function typeErrors(): Map<string, string[]> {
  const base = ts.readConfigFile(join(root, 'tsconfig.base.json'), ts.sys.readFile).config;
  const { options } = ts.convertCompilerOptionsFromJson(base.compilerOptions, root);
  const program = ts.createProgram(
    blocks.map((b, i) => file(b, i)),
    { ...options, noEmit: true, noUnusedLocals: false },
  );
  const errors = new Map<string, string[]>();
  for (const d of ts.getPreEmitDiagnostics(program)) {
    if (!d.file?.fileName.startsWith(folder)) continue;
    const { line } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
    const list = errors.get(d.file.fileName) ?? [];
    list.push(`line ${line + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    errors.set(d.file.fileName, list);
  }
  return errors;
}

describe('README code', () => {
  const errors = typeErrors();
  blocks.forEach((block, i) => {
    it(`${block.where} type-checks`, () => {
      expect(errors.get(file(block, i)) ?? []).toEqual([]);
    });
    if (!block.run) return;
    it(`${block.where} runs`, () => {
      const cwd = mkdtempSync(join(tmpdir(), 'keel-readme-'));
      try {
        const tsx = join(root, 'node_modules/tsx/dist/cli.mjs');
        const child = spawnSync(process.execPath, [tsx, '--conditions=keel-source', relative(cwd, file(block, i))], {
          cwd,
          encoding: 'utf8',
          timeout: 60_000,
          env: { ...process.env, NODE_OPTIONS: '' },
        });
        expect(child.stderr, child.stdout).toBe('');
        expect(child.status).toBe(0);
      } finally {
        rmSync(cwd, { recursive: true, force: true });
      }
    });
  });
});
