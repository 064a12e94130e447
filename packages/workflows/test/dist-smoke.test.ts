import { describeBuiltPackage } from '@keel/testing';

// The built package the way an app gets it: plain `node`, no source condition, so
// `@keel/workflows`, `@keel/jobs`, `@keel/core` and `@keel/adapter-sqlite` resolve to their `dist`.
const script = `
  import { createSqliteSql } from '@keel/adapter-sqlite';
  import { createWorkflows, WorkflowsError } from '@keel/workflows';
  const sql = createSqliteSql({ filename: ':memory:' });
  const workflows = createWorkflows({ sql, pollIntervalMs: 5 });
  (await workflows.migrate())._unsafeUnwrap();
  (await workflows.register('double', { steps: {
    a: { kind: 'transform', run: ({ input }) => ({ n: input.n * 2 }), next: 'b' },
    b: { config: '\${context.n}', run: ({ config }) => config + 1 },
  } }))._unsafeUnwrap();
  workflows.work()._unsafeUnwrap();
  const run = (await workflows.wait((await workflows.start('double', { n: 21 }))._unsafeUnwrap()))._unsafeUnwrap();
  const steps = (await workflows.history(run.id))._unsafeUnwrap();
  const bad = await workflows.register('bad', { steps: { a: { run: () => 1, next: 'nope' } } });
  await workflows.close();
  await sql.close();
  console.log(JSON.stringify({ state: run.state, n: run.context.n, last: steps[1].output,
    error: bad._unsafeUnwrapErr() instanceof WorkflowsError, code: bad._unsafeUnwrapErr().code, step: bad._unsafeUnwrapErr().step }));`;

describeBuiltPackage({
  folder: new URL('..', import.meta.url),
  script,
  title: 'works from plain node with the built core, jobs and adapter',
  expected: { state: 'completed', n: 42, last: 43, error: true, code: 'INVALID_DEFINITION', step: 'a' },
});
