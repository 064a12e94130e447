import type { Clock, KeelLogger, KeelObservability, ResultAsync, Sql, SqlTransaction } from '@keel/core';
import type { JobsError } from './jobs-errors.js';
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
  readonly logger: KeelLogger;
  /** Present only when one was given that is enabled; spans only while `tracing`. */
  readonly observability: KeelObservability | undefined;
  /**
   * After a due job of `name` was inserted in `target`: notifies the workers of every process
   * (`sql.notifications`), at commit when `target` is a transaction. Absent without notifications.
   */
  readonly announce: ((target: Sql | SqlTransaction, name: string) => ResultAsync<void, JobsError>) | undefined;
  /** The jobs this process's workers run now, so that `cancel(id)` aborts a local one at once. */
  readonly held: Map<string, AbortController>;
}
