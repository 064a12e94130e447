// One of the processes racing on a counter: reads it, adds one, writes it back with the version
// it read, and on CONFLICT (or BUSY) reads again, until it has added `increments`. Prints what it
// did as JSON. It starts when the parent says go, so that the processes overlap. Argument: a SQLite file or a PostgreSQL URL, the counter id, the increments.
import { createPostgresSql } from '@keel/adapter-postgres';
import { createSqliteSql } from '@keel/adapter-sqlite';
import { runInContext } from '@keel/core';
import { createRepository } from '../../src/index.js';
import { counters } from './definitions.js';

const [target, idText, incrementsText] = process.argv.slice(2) as [string, string, string];
const sql = /^postgres(ql)?:/.test(target)
  ? createPostgresSql({ connectionString: target, poolSize: 2 })
  : createSqliteSql({ filename: target, busyTimeoutMs: 10_000 });
const repo = createRepository(sql, counters);
const id = Number(idText);
let conflicts = 0;
let busy = 0;

// Start together: say ready, then wait for the parent's go (a line on stdin).
process.stdout.write('ready\n');
await new Promise((resolve) => process.stdin.once('data', resolve));
process.stdin.pause();

await runInContext({ actor: `process-${process.pid}` }, async () => {
  for (let done = 0; done < Number(incrementsText); ) {
    const read = await repo.findById(id);
    if (read.isErr()) throw read.error;
    const { value, version } = read.value;
    // A moment of "work" between the read and the write, so that the processes' turns interleave.
    if (Math.random() < 0.5) await new Promise((resolve) => setTimeout(resolve, 1));
    const written = await repo.update(id, { value: value + 1 }, { expectedVersion: version });
    if (written.isOk()) done++;
    else if (written.error.code === 'CONFLICT') conflicts++;
    else if (written.error.code === 'BUSY') busy++;
    else throw written.error;
  }
});
await sql.close();
process.stdout.write(`${JSON.stringify({ conflicts, busy })}\n`);
