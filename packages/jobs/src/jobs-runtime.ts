import type { Clock, Sql } from '@keel/core';
import type { JobMap } from './job-definition.js';
import type { ParsedJobsOptions } from './jobs-options.js';
import type { JobsStatements } from './jobs-statements.js';
import type { LocalWakeups } from './wake-source.js';

/** What the parts of a jobs instance share: its database, statements, definitions and settings. */
export interface JobsRuntime {
  readonly sql: Sql;
  readonly statements: JobsStatements;
  readonly definitions: JobMap;
  readonly defaults: ParsedJobsOptions['defaults'];
  readonly options: Omit<ParsedJobsOptions, 'sql' | 'jobs' | 'schedules'>;
  readonly workerId: string;
  readonly clock: Clock;
  readonly random: () => number;
  readonly onError: (error: Error) => void;
  readonly wakeups: LocalWakeups;
  /** The jobs this process's workers run now, so that `cancel(id)` aborts a local one at once. */
  readonly held: Map<string, AbortController>;
}
