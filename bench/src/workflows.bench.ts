import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createPostgresSql } from '@keel/adapter-postgres';
import { createSqliteSql } from '@keel/adapter-sqlite';
import type { Sql } from '@keel/core';
import { createComponentRegistry } from '@keel/component-registry';
import { createWasmHost } from '@keel/wasm-host';
import { createWorkflows, type WorkflowDefinition } from '@keel/workflows';
import { compare } from './harness.js';

/**
 * @keel/workflows: runs per second of a 3-step pipeline beside calling the same exports directly
 * through the registry — the difference is the workflow's per-step cost (a job claimed and
 * completed, the visit and its output written, the next visit queued, in transactions). Two
 * pipelines (WAT components: validate → route → enrich; the JavaScript guest built with
 * componentize-js: three `greet` tasks) on two databases (a SQLite WAL file; a fresh PostgreSQL
 * database on KEEL_TEST_POSTGRES_URL, default the machine's).
 */
export async function run(): Promise<void> {
  console.log(
    `\n## workflows (load average before: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(', ')})`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'keel-bench-workflows-'));
  const server = process.env.KEEL_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const name = `keel_bench_workflows_${process.pid}`;
  const psql = (statement: string) => execFileSync('psql', [server, '-qAt', '-v', 'ON_ERROR_STOP=1', '-c', statement]);
  psql(`CREATE DATABASE ${name}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  const wat = {
    label: 'WAT components',
    prefix: 'wat',
    bytes: await tasksComponent(),
    definition: pipeline,
    exports: watExports,
  };
  const js = {
    label: 'the JavaScript guest',
    prefix: 'js',
    bytes: readFileSync(await jsGuest()),
    definition: greetings,
    exports: jsExports,
  };
  try {
    for (const guest of [wat, js]) {
      const sqlite = createSqliteSql({ filename: join(dir, `${guest.prefix}.sqlite`) });
      await bench(`${guest.label}, SQLite WAL file`, sqlite, guest);
      await bench(
        `${guest.label}, PostgreSQL`,
        createPostgresSql({ connectionString: url.toString(), poolSize: 4 }),
        guest,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

interface Guest {
  readonly label: string;
  /** Its tables' prefix: the two pipelines share the PostgreSQL database. */
  readonly prefix: string;
  readonly bytes: Uint8Array;
  readonly definition: WorkflowDefinition;
  /** The three calls the pipeline makes, directly. */
  readonly exports: readonly (readonly [string, unknown])[];
}

async function bench(label: string, sql: Sql, guest: Guest): Promise<void> {
  const host = createWasmHost({}, { cacheDir: join(tmpdir(), 'keel-bench-workflows-cache'), logger: {} });
  const registry = createComponentRegistry(sql, host, { table: `${guest.prefix}_components` });
  const workflows = createWorkflows({ sql, registry, pollIntervalMs: 5, table: `${guest.prefix}_workflows` });
  try {
    (await registry.migrate())._unsafeUnwrap();
    (await workflows.migrate())._unsafeUnwrap();
    (await registry.upload({ name: 'tasks', version: '1', bytes: guest.bytes }))._unsafeUnwrap();
    (await registry.activate('tasks', '1'))._unsafeUnwrap();
    (await workflows.register('triage', guest.definition))._unsafeUnwrap();
    workflows.work({ concurrency: 16 })._unsafeUnwrap();
    const tasks = registry.component('tasks');
    const direct = async () => {
      for (const [name, arg] of guest.exports) (await tasks.call(name, arg))._unsafeUnwrap();
    };
    const oneRun = async () => {
      const runId = (await workflows.start('triage', { priority: 1 }))._unsafeUnwrap();
      const ended = (await workflows.wait(runId, { pollMs: 1 }))._unsafeUnwrap();
      if (ended.state !== 'completed') throw new Error(`run ${runId} ${ended.state}`);
    };
    const batch = 32;
    const manyRuns = async () => {
      const ids = await Promise.all(
        Array.from({ length: batch }, async () => (await workflows.start('triage', { priority: 1 }))._unsafeUnwrap()),
      );
      // One poller at a time: 32 pollers would load the database more than the runs do.
      for (const id of ids) (await workflows.wait(id, { pollMs: 5 }))._unsafeUnwrap();
    };
    const options = { rounds: 5, roundMs: 1500, checkEvery: 1 };
    const rows = await compare(
      `3-step pipeline of ${label} (runs/s)`,
      [
        { name: 'the 3 exports called directly (registry)', fn: direct },
        { name: 'workflow runs, one at a time (start → completed)', fn: oneRun },
        { name: `workflow runs, ${batch} at a time, 16 steps at once`, fn: manyRuns, opsPerCall: batch },
      ],
      options,
    );
    const [directRow, serial, parallel] = rows;
    if (directRow && serial && parallel) {
      const perStep = (r: { opsPerSec: number }) => ((1000 / r.opsPerSec - 1000 / directRow.opsPerSec) / 3).toFixed(2);
      console.log(
        `\nPer-step overhead over the direct calls: ${perStep(serial)} ms one run at a time (latency, ` +
          `including the polls), ${perStep(parallel)} ms per step of throughput with ${batch} runs in flight.`,
      );
    }
  } finally {
    await workflows.close();
    await registry.close();
    await host.close();
    await sql.close();
  }
}

const watExports = [
  ['validate', 1],
  ['route', 1],
  ['enrich', 1],
] as const;

/** The JavaScript guest's three steps: `greet` three times, each a task that keeps its output. */
const greetings: WorkflowDefinition = {
  steps: {
    first: { component: 'tasks', export: 'greet', args: ['first'], next: 'second' },
    second: { component: 'tasks', export: 'greet', args: ['second'], next: 'third' },
    third: { component: 'tasks', export: 'greet', args: ['third'] },
  },
};
const jsExports = [
  ['greet', 'first'],
  ['greet', 'second'],
  ['greet', 'third'],
] as const;

/** The componentize-js guest's path, built once and cached by wasm-host's fixture script. */
async function jsGuest(): Promise<string> {
  const pkg = dirname(fileURLToPath(import.meta.resolve('@keel/wasm-host/package.json')));
  const { jsGuestPath } = (await import(join(pkg, 'fixtures', 'js-guest', 'build-js-guest.ts'))) as {
    jsGuestPath: () => Promise<string>;
  };
  return jsGuestPath();
}

const pipeline: WorkflowDefinition = {
  steps: {
    validate: {
      kind: 'validate',
      component: 'tasks',
      export: 'validate',
      args: ['${input.priority}'],
      output: 'json',
      next: 'route',
    },
    route: {
      kind: 'route',
      component: 'tasks',
      export: 'route',
      args: ['${input.priority}'],
      output: 'json',
      routes: ['enrich'],
    },
    enrich: { kind: 'transform', component: 'tasks', export: 'enrich', args: ['${input.priority}'], output: 'json' },
  },
};

/** One component with the three exports, each returning constant JSON text from its memory. */
async function tasksComponent(): Promise<Uint8Array> {
  const registryPackage = fileURLToPath(import.meta.resolve('@keel/wasm-host/package.json'));
  const tools = createRequire(registryPackage).resolve('@bytecodealliance/jco-transpile/wasm-tools');
  const { parse, componentEmbed, componentNew } = (await import(pathToFileURL(tools).href)) as {
    parse(wat: string): Promise<Uint8Array>;
    componentEmbed(o: { binary: Uint8Array; witSource: string; world: string }): Promise<Uint8Array>;
    componentNew(binary: Uint8Array, adapters: unknown[]): Promise<Uint8Array>;
  };
  const answers = ['[]', '{"next":"enrich"}', '{"label":"normal"}'];
  const names = ['validate', 'route', 'enrich'];
  const bytes: number[] = [];
  let text = 64;
  answers.forEach((answer, i) => {
    const encoded = new TextEncoder().encode(answer);
    for (const [k, v] of [text, encoded.length].entries())
      for (let b = 0; b < 4; b++) bytes[8 * i + 4 * k + b] = (v >>> (8 * b)) & 0xff;
    for (const [k, b] of encoded.entries()) bytes[text + k] = b;
    text += encoded.length;
  });
  const data = Array.from({ length: text }, (_, i) => `\\${(bytes[i] ?? 0).toString(16).padStart(2, '0')}`).join('');
  const core = await parse(`(module (memory (export "memory") 1) (data (i32.const 0) "${data}")
    ${names.map((n, i) => `(func (export "${n}") (param i32) (result i32) (i32.const ${8 * i}))`).join('\n')})`);
  const world = `package bench:tasks;\nworld tasks {\n${names.map((n) => `  export ${n}: func(priority: u32) -> string;`).join('\n')}\n}`;
  return componentNew(await componentEmbed({ binary: core, witSource: world, world: 'tasks' }), []);
}
