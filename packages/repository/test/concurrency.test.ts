import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expectErr, expectOk } from '@keel/testing';
import { expect, it } from 'vitest';
import { type Repository, createAuditLog, createRepository } from '../src/index.js';
import { onDatabases } from './support/databases.js';
import { type Task, counters, plainTasks, task } from './support/definitions.js';

type Counters = Repository<{ id: number; value: number; big: bigint }, 'id'>;

/** Read, add one, write with the version read; on CONFLICT read again. Returns the conflicts met. */
async function increment(repo: Counters, id: number, times: number): Promise<number> {
  let conflicts = 0;
  for (let done = 0; done < times; ) {
    const { value, version } = expectOk(await repo.findById(id));
    const written = await repo.update(id, { value: value + 1 }, { expectedVersion: version });
    if (written.isOk()) done++;
    else if (expectErr(written, 'CONFLICT').currentVersion !== undefined) conflicts++;
  }
  return conflicts;
}

const child = fileURLToPath(new URL('support/increment-child.ts', import.meta.url));

/** Starts an increment child process: `ready` once it waits for `go()`, `done` with what it printed. */
function startChild(target: string, id: number, increments: number) {
  const proc = spawn(
    process.execPath,
    ['--conditions=keel-source', '--import', 'tsx', child, target, String(id), String(increments)],
    {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  let readied: () => void = () => {};
  const ready = new Promise<void>((resolve) => (readied = resolve));
  proc.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
    if (stdout.startsWith('ready\n')) readied();
  });
  proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<{ conflicts: number; busy: number }>((resolve, reject) =>
    proc.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(stdout.slice('ready\n'.length)))
        : reject(new Error(`child exited ${code}: ${stderr}`)),
    ),
  );
  // A child that dies before it is ready fails the test through `done`.
  return { ready: Promise.race([ready, done]), go: () => proc.stdin.end('go\n'), done };
}

onDatabases('optimistic concurrency', (db) => {
  it('lets exactly one of two writers holding the same version win; the other gets CONFLICT with the current version', async () => {
    const repo = createRepository(db().sql, counters);
    expectOk(await repo.create({ id: 1, value: 0, big: 0n }));
    const [a, b] = await Promise.all([
      repo.update(1, { value: 10 }, { expectedVersion: 1 }),
      repo.update(1, { value: 20 }, { expectedVersion: 1 }),
    ]);
    const winners = [a, b].filter((r) => r.isOk());
    expect(winners).toHaveLength(1);
    const loser = expectErr((a.isErr() ? a : b) as typeof a, 'CONFLICT');
    expect(loser.currentVersion).toBe(2);
    expect(expectOk(await repo.findById(1))).toMatchObject({ version: 2, value: winners[0]?._unsafeUnwrap().value });
    expect(expectErr(await repo.delete(1, { expectedVersion: 1 }), 'CONFLICT').currentVersion).toBe(2);
  });

  it('loses no update among many concurrent read-modify-write tasks (audited, and bare)', async () => {
    const audited = createRepository(db().sql, counters);
    expectOk(await audited.create({ id: 1, value: 0, big: 0n }));
    const tasksAtOnce = 12;
    const each = 8;
    const conflicts = await Promise.all(Array.from({ length: tasksAtOnce }, () => increment(audited, 1, each)));
    const total = tasksAtOnce * each;
    expect(expectOk(await audited.findById(1))).toMatchObject({ value: total, version: total + 1 });
    expect(expectOk(await audited.versions(1)).map((v) => v.entity.value)).toEqual(
      Array.from({ length: total + 1 }, (_, i) => i),
    );
    expect(expectOk(await audited.audit({ limit: 1000 }))).toHaveLength(total + 1);
    console.info(
      `[concurrency] ${db().kind}: ${conflicts.reduce((a, b) => a + b, 0)} conflicts retried by ${tasksAtOnce} tasks`,
    );

    // Without expectedVersion, patches of different fields racing each other all land.
    const bare = createRepository(db().sql, plainTasks);
    const created = expectOk(await bare.create(task({ title: 'start', points: 0 })));
    const patches: Partial<Task>[] = [
      { title: 'renamed' },
      { points: 5 },
      { done: true },
      { note: 'n' },
      { weight: 2.5 },
      { tags: ['z'] },
    ];
    await Promise.all(patches.map(async (patch) => expectOk(await bare.update(created.id, patch))));
    expect(expectOk(await bare.findById(created.id))).toMatchObject({ ...Object.assign({}, ...patches), version: 7 });
  });

  it('loses no update among 3 processes racing on one database', async () => {
    const { sql, target } = db();
    const repo = createRepository(sql, counters);
    expectOk(await repo.create({ id: 1, value: 0, big: 0n }));
    const processes = 3;
    const each = 80;
    const children = Array.from({ length: processes }, () => startChild(target, 1, each));
    await Promise.all(children.map((c) => c.ready));
    for (const c of children) c.go();
    const results = await Promise.all(children.map((c) => c.done));
    const total = processes * each;
    expect(expectOk(await repo.findById(1))).toMatchObject({ value: total, version: total + 1 });
    const trail = expectOk(await createAuditLog(sql).query({ entity: 'Counter', limit: 1000 }));
    expect(trail).toHaveLength(total + 1);
    expect(new Set(trail.slice(1).map((r) => r.actor)).size).toBe(processes);
    const versions = expectOk(await repo.versions(1));
    expect(versions.map((v) => v.entity.value)).toEqual(Array.from({ length: total + 1 }, (_, i) => i));
    // The processes did race: some of their writes lost and were retried.
    expect(results.reduce((sum, r) => sum + r.conflicts, 0)).toBeGreaterThan(0);
    console.info(`[concurrency] ${db().kind}: ${processes} processes × ${each}: ${JSON.stringify(results)}`);
  }, 60_000);
});
