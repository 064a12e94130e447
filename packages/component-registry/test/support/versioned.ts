import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPostgresSql } from '@keel/adapter-postgres';
import { createSqliteSql } from '@keel/adapter-sqlite';
import type { Sql } from '@keel/core';
import { testPostgres } from '@keel/testing';

const world = `package test:registry;
world versioned {
  /// Its version number.
  export version: func() -> u32;
  /// Counts down from n, then returns its version number: a call that takes a while.
  export slow: func(n: u32) -> u32;
}`;

const built = new Map<number, Promise<Uint8Array>>();

/** A component whose exports answer with \`n\`: versions that can be told apart. */
export function versioned(n: number): Promise<Uint8Array> {
  let bytes = built.get(n);
  if (!bytes) {
    bytes = build(n);
    built.set(n, bytes);
  }
  return bytes;
}

async function build(n: number): Promise<Uint8Array> {
  const { parse, componentEmbed, componentNew } = await import('@bytecodealliance/jco-transpile/wasm-tools');
  const core = await parse(`(module
    (func (export "version") (result i32) (i32.const ${n}))
    (func (export "slow") (param $n i32) (result i32)
      (loop $down (local.set $n (i32.sub (local.get $n) (i32.const 1))) (br_if $down (local.get $n)))
      (i32.const ${n})))`);
  const embedded = await componentEmbed({ binary: core, witSource: world, world: 'versioned' });
  return componentNew(embedded, []);
}

/** A component of wasm-host's test fixtures. */
export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../../../wasm-host/fixtures/components/${name}.wasm`, import.meta.url));
}

/** A fresh SQLite file and, when the machine's PostgreSQL answers, a fresh database on it. */
export async function testDatabases(label: string) {
  const dir = mkdtempSync(join(tmpdir(), `keel-registry-${label}-`));
  const pg = await testPostgres();
  const targets: { name: string; open: () => Sql }[] = [
    { name: 'SQLite', open: () => createSqliteSql({ filename: join(dir, `${label}.sqlite`) }) },
  ];
  if (pg.server) {
    const url = await pg.server.database(`registry_${label}`);
    targets.push({ name: 'PostgreSQL', open: () => createPostgresSql({ connectionString: url }) });
  }
  return {
    targets,
    skipped: pg.skip,
    async cleanup() {
      await pg.server?.cleanup();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
