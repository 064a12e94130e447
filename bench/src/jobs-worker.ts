// A worker process for jobs.bench.ts: runs a no-op handler for one queue of @keel/jobs (SQLite
// file or PostgreSQL) or of pg-boss, until SIGTERM. Prints `ready` once it polls.
import { createPostgresSql } from '@keel/adapter-postgres';
import { createSqliteSql } from '@keel/adapter-sqlite';
import { createJobs, defineJob } from '@keel/jobs';
import PgBoss from 'pg-boss';

export interface BenchWorker {
  readonly kind: 'keel' | 'pg-boss';
  /** A SQLite file or a PostgreSQL URL. */
  readonly target: string;
  /** The keel jobs table, or the pg-boss schema. */
  readonly space: string;
  /** Keel: jobs in flight; pg-boss: the batch each fetch takes. */
  readonly concurrency: number;
  readonly pollMs: number;
  /** Keel: wake up through `sql.notifications` (PostgreSQL). @default true */
  readonly notifications?: boolean;
}

const w = JSON.parse(process.argv[2] as string) as BenchWorker;
let stop: () => Promise<void>;
if (w.kind === 'keel') {
  const sql = w.target.startsWith('postgres')
    ? createPostgresSql({ connectionString: w.target, poolSize: 4 })
    : createSqliteSql({ filename: w.target, busyTimeoutMs: 10_000 });
  const jobs = createJobs({
    sql,
    table: w.space,
    pollIntervalMs: w.pollMs,
    notifications: w.notifications ?? true,
    jobs: { noop: defineJob() },
  });
  jobs.work('noop', () => undefined, { concurrency: w.concurrency })._unsafeUnwrap();
  stop = async () => {
    await jobs.close();
    await sql.close();
  };
} else {
  const boss = new PgBoss({
    connectionString: w.target,
    schema: w.space,
    max: 4,
    supervise: false,
    schedule: false,
    migrate: false,
  });
  boss.on('error', (e) => process.stderr.write(`${e.message}\n`));
  await boss.start();
  await boss.work('noop', { batchSize: w.concurrency, pollingIntervalSeconds: w.pollMs / 1000 }, async () => undefined);
  stop = () => boss.stop({ graceful: true, wait: true, timeout: 2000 });
}
process.stdout.write('ready\n');
process.on('SIGTERM', () => void stop().then(() => process.exit(0)));
