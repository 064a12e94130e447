// A dispatcher process for the kill test: delivers the outbox of a database (a SQLite file or a
// PostgreSQL URL) to a local SendGrid fake until nothing is pending, unless it is killed first.
import { createPostgresSql } from '@keel/adapter-postgres';
import { createSqliteSql } from '@keel/adapter-sqlite';
import { createEmailOutbox, createSendgridEmail } from '../../src/index.js';

const [target, baseUrl, apiKey] = process.argv.slice(2) as [string, string, string];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const sql = /^postgres(ql)?:/.test(target)
  ? createPostgresSql({ connectionString: target })
  : createSqliteSql({ filename: target, busyTimeoutMs: 10_000 });
const email = createSendgridEmail({
  apiKey,
  baseUrl,
  retry: false,
  circuitBreaker: false,
  idempotency: false,
  timeoutMs: 5000,
});
const outbox = createEmailOutbox({
  sql,
  email,
  leaseMs: 400,
  batchSize: 3,
  concurrency: 2,
  maxAttempts: 10_000,
  retry: { initialDelayMs: 10, maxDelayMs: 100 },
});
process.stdout.write('ready\n');
for (;;) {
  const pass = await outbox.dispatchOnce();
  if (pass.isErr()) {
    process.stderr.write(`pass failed: ${pass.error.message}\n`);
    await sleep(20);
    continue;
  }
  if (pass.value.claimed > 0) continue;
  const counts = await outbox.counts();
  if (counts.isOk() && counts.value.pending === 0) break;
  await sleep(20);
}
await Promise.all([email.close(), sql.close()]);
process.stdout.write('drained\n');
