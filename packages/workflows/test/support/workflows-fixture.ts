import type { Sql } from '@keel/core';
import { expectOk } from '@keel/testing';
import { afterAll, afterEach } from 'vitest';
import { createWorkflows, type WorkflowsOptions, type Workflows } from '../../src/index.js';
import { freshTable, openDatabase } from './databases.js';

/**
 * Workflows instances on one test database, each on its own fresh tables and working, closed
 * after each test; the connection closes after the file.
 */
export function workflowsFixture(target: string) {
  let sql: Sql | undefined;
  const open: Workflows[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((w) => w.close(100)));
  });
  afterAll(async () => {
    await sql?.close();
  });
  return {
    get sql(): Sql {
      sql ??= openDatabase(target);
      return sql;
    },
    /** A migrated instance on new tables, with a worker of `concurrency` steps. */
    async workflows(options: Omit<WorkflowsOptions, 'sql'> = {}, concurrency = 4): Promise<Workflows> {
      const workflows = createWorkflows({ pollIntervalMs: 20, table: freshTable(), ...options, sql: this.sql });
      expectOk(await workflows.migrate());
      expectOk(workflows.work({ concurrency }));
      open.push(workflows);
      return workflows;
    },
  };
}
