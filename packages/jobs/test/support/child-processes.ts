import { bundleChild as bundle } from '@keel/testing';

export { type ReportingChild as Child, spawnReportingChild as spawnChild } from '@keel/testing';

/** The child bundled once (the drivers as installed), so that each of the many starts is a plain `node` start. */
export function bundleChild(): Promise<{ file: string; remove(): void }> {
  return bundle(new URL('jobs-child.ts', import.meta.url), { external: /^better-sqlite3$/ });
}

/** The tables the children log runs and effects in, beside the jobs table. */
export function logTables(table: string): string {
  return [
    `CREATE TABLE ${table}_runs (job_id VARCHAR(36) NOT NULL, attempt INTEGER NOT NULL, pid INTEGER NOT NULL)`,
    `CREATE TABLE ${table}_effects (job_id VARCHAR(36) PRIMARY KEY, pid INTEGER NOT NULL)`,
  ].join(';\n');
}
