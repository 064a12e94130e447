import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

// What a TypeScript user sees for a mistyped adapter id: the known ids and a suggestion, not
// the module form's missing `module` field.
const root = fileURLToPath(new URL('../..', import.meta.url));
const folder = join(root, 'test/container/.types');
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function diagnostics(code: string): string[] {
  mkdirSync(folder, { recursive: true });
  const file = join(folder, 'config.ts');
  writeFileSync(file, `${code}\nexport {};\n`);
  const base = ts.readConfigFile(join(root, 'tsconfig.base.json'), ts.sys.readFile).config;
  const { options } = ts.convertCompilerOptionsFromJson(base.compilerOptions, root);
  const program = ts.createProgram([file], { ...options, noEmit: true });
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file?.fileName === file)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('config types', () => {
  it('name the known ids for a mistyped adapter, in both forms', () => {
    const errors = diagnostics(`
      import { defineConfig } from '@keel/core';
      import '@keel/adapter-kv-memory';
      defineConfig({ kv: { adapter: 'memroy' } });
      defineConfig({ kv: { cache: { adapter: 'memroy' } } });
      defineConfig({ kv: { adapter: 'memory', options: { sweepIntervalMs: 'fast' } } });
      defineConfig({ kv: { custom: { module: './my-kv.js', export: 'myKvAdapter' } } });`);
    expect(errors).toHaveLength(3);
    expect(errors[0]).toMatch(/"memroy"' is not assignable to type .*"memory"/);
    expect(errors.join('\n')).not.toMatch(/Property 'module' is missing/);
    expect(errors[2]).toMatch(/'string' is not assignable to type 'number'/);
  });
});
