import type { Sql } from '@keel/core';
import type { StepCall, WorkflowDefinition } from '../../src/index.js';

/** The kill test's tables beside the workflow's: every step run logged, every effect applied once per key. */
export function logTables(table: string): string {
  return [
    `CREATE TABLE ${table}_log (step_key VARCHAR(120) NOT NULL, pid INTEGER NOT NULL)`,
    `CREATE TABLE ${table}_effects (step_key VARCHAR(120) PRIMARY KEY, pid INTEGER NOT NULL)`,
  ].join(';\n');
}

/** Which runs fail and how, by their input's `n`: the test and the children agree on it. */
export const invalidInput = (n: number) => n % 13 === 5;
export const alwaysFails = (n: number) => n % 17 === 3;
export const fansOut = (n: number) => n % 2 === 0;

/**
 * validate → route → charge (and, for even n, notify in parallel) → finish (a join). Each effect
 * step logs its run, waits a little (where kills land), applies its effect once per idempotency
 * key and returns the pid that applied it: a run cut by a kill and run again returns the first
 * run's answer.
 */
export function killWorkflow(sql: Sql, table: string, say: (line: string) => void): WorkflowDefinition {
  const effect =
    (what: string) =>
    async ({ key, input }: StepCall) => {
      say(`start ${key}`);
      const logged = await sql.execute(`INSERT INTO ${table}_log (step_key, pid) VALUES (?, ?)`, [key, process.pid]);
      if (logged.isErr()) throw logged.error;
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.floor(Math.random() * 30)));
      if (what === 'charge' && alwaysFails(Number((input as { n: number }).n))) throw new Error('card declined');
      const applied = await sql.execute(
        `INSERT INTO ${table}_effects (step_key, pid) VALUES (?, ?) ON CONFLICT DO NOTHING`,
        [key, process.pid],
      );
      if (applied.isErr()) throw applied.error;
      const found = await sql.query(`SELECT pid FROM ${table}_effects WHERE step_key = ?`, [key]);
      if (found.isErr()) throw found.error;
      say(`end ${key}`);
      return { [what]: Number(found.value.rows[0]?.[0]) };
    };
  const retry = { maxAttempts: 2, backoff: { type: 'fixed', delayMs: 10 } } as const;
  return {
    steps: {
      validate: {
        kind: 'validate',
        run: ({ input }) =>
          invalidInput(Number((input as { n: number }).n)) ? [{ path: 'n', message: 'unlucky' }] : [],
        next: 'route',
      },
      route: {
        kind: 'route',
        routes: ['charge', 'notify'],
        run: ({ input }) => (fansOut(Number((input as { n: number }).n)) ? ['charge', 'notify'] : 'charge'),
      },
      charge: { kind: 'transform', run: effect('charge'), retry, next: 'finish' },
      notify: { kind: 'transform', run: effect('notify'), retry, next: 'finish' },
      finish: { join: true, run: effect('finish'), retry },
    },
  };
}
