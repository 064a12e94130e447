// A worker process for the kill test: works one test's workflow runs on a shared database (a
// SQLite file or a PostgreSQL URL) until it is killed (SIGKILL) or — in `drain` — finds no run
// left running. It reports on stdout, one line per event: `ready`, `start <key>`, `end <key>`.
import { createWorkflows } from '../../src/index.js';
import { openDatabase } from './databases.js';
import { killWorkflow } from './kill-workflow.js';

export interface ChildConfig {
  readonly target: string;
  readonly table: string;
  readonly leaseMs: number;
  readonly concurrency: number;
  /** Exit once no run is running (the kill test's last worker). */
  readonly drain?: boolean;
}

const config = JSON.parse(process.argv[2] as string) as ChildConfig;
const sql = openDatabase(config.target);
const say = (line: string) => process.stdout.write(`${line}\n`);
const workflows = createWorkflows({
  sql,
  table: config.table,
  leaseMs: config.leaseMs,
  pollIntervalMs: 20,
  shutdownGraceMs: 500,
  crashAttempts: 200,
  onError: (error) => process.stderr.write(`jobs error: ${error.message}\n`),
});
(await workflows.register('pipeline', killWorkflow(sql, config.table, say)))._unsafeUnwrap();
workflows.work({ concurrency: config.concurrency })._unsafeUnwrap();
say('ready');

if (config.drain) {
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const left = await sql.query(`SELECT COUNT(*) FROM ${config.table}_runs WHERE state = 'running'`);
    if (left.isOk() && Number(left.value.rows[0]?.[0]) === 0) break;
  }
  await workflows.close();
  await sql.close();
  process.exit(0);
}
