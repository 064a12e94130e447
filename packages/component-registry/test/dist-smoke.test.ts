import { describeBuiltPackage } from '@keel/testing';

// The built package the way an app gets it: plain `node`, no source condition, so
// `@keel/component-registry`, `@keel/wasm-host`, `@keel/core` and the adapter resolve to their `dist`.
const script = `
  import { readFileSync } from 'node:fs';
  import { createSqliteSql } from '@keel/adapter-sqlite';
  import { createComponentRegistry, RegistryError } from '@keel/component-registry';
  import { createWasmHost } from '@keel/wasm-host';
  const sql = createSqliteSql({ filename: ':memory:' });
  const host = createWasmHost({}, { cacheDir: false });
  const registry = createComponentRegistry(sql, host);
  (await registry.migrate())._unsafeUnwrap();
  const bytes = readFileSync('../wasm-host/fixtures/components/pure.wasm');
  (await registry.upload({ name: 'pure', version: '1', bytes }))._unsafeUnwrap();
  (await registry.activate('pure', '1'))._unsafeUnwrap();
  const sum = (await registry.component('pure').call('add', 40, 2))._unsafeUnwrap();
  const missing = (await registry.activate('pure', '2'))._unsafeUnwrapErr();
  await registry.close();
  await host.close();
  await sql.close();
  console.log(JSON.stringify({ sum, code: missing.code, isError: missing instanceof RegistryError }));`;

describeBuiltPackage({
  folder: new URL('..', import.meta.url),
  script,
  expected: { sum: 42, code: 'NOT_FOUND', isError: true },
  timeoutMs: 60_000,
});
