import type { Migration } from '@keel/core';

/**
 * The tables of `@keel/workflows` (its jobs live in `<table>_jobs`, `@keel/jobs`' own migrations),
 * applied by core's migrator under the scope `keel-workflows:<table>`. Times are milliseconds
 * since the epoch; inputs, contexts, outputs and errors are JSON text. A run's row is also the
 * lock its steps take in turn to advance it, so that parallel branches join exactly once.
 */
export function workflowsMigrations(table: string): Migration[] {
  const runs = `CREATE TABLE ${table}_runs (
  id VARCHAR(36) PRIMARY KEY,
  workflow VARCHAR(200) NOT NULL,
  state VARCHAR(10) NOT NULL,
  input TEXT NOT NULL,
  context TEXT NOT NULL,
  error TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  finished_at BIGINT
)`;
  const steps = `CREATE TABLE ${table}_steps (
  id VARCHAR(120) PRIMARY KEY,
  run_id VARCHAR(36) NOT NULL,
  step VARCHAR(64) NOT NULL,
  visit INTEGER NOT NULL,
  state VARCHAR(10) NOT NULL,
  via VARCHAR(64),
  job_id VARCHAR(36),
  input TEXT,
  output TEXT,
  error TEXT,
  attempts INTEGER NOT NULL,
  failures INTEGER NOT NULL,
  created_at BIGINT NOT NULL,
  started_at BIGINT,
  finished_at BIGINT,
  duration_ms BIGINT
)`;
  const indexes = [
    `CREATE INDEX ${table}_runs_listing ON ${table}_runs (workflow, created_at)`,
    `CREATE INDEX ${table}_steps_run ON ${table}_steps (run_id, created_at)`,
  ];
  return [
    {
      version: 1,
      name: 'create workflow runs and steps',
      up: [runs, steps, ...indexes].join(';\n'),
      down: `DROP TABLE ${table}_steps;\nDROP TABLE ${table}_runs`,
    },
    {
      version: 2,
      name: "record a step's fuel and host calls",
      up: `ALTER TABLE ${table}_steps ADD COLUMN fuel_used BIGINT;\nALTER TABLE ${table}_steps ADD COLUMN host_calls TEXT`,
      down: `ALTER TABLE ${table}_steps DROP COLUMN host_calls;\nALTER TABLE ${table}_steps DROP COLUMN fuel_used`,
    },
  ];
}
