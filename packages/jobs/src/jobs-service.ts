import {
  createToken,
  defineService,
  instanceToken,
  keelTokens,
  tokens,
  type KeelToken,
  type ServiceDefinition,
  type Sql,
} from '@keel/core';
import { parseOptions } from '@keel/core/adapter';
import { buildJobs, type JobsOptions } from './create-jobs.js';
import type { JobMap } from './job-definition.js';
import { jobsOptions } from './jobs-options.js';
import type { Jobs } from './jobs-types.js';

/** Where `jobsService()` puts the jobs instance: `keel.resolve(jobsToken)`. */
export const jobsToken: KeelToken<Jobs> = createToken<Jobs>('keel:jobs');

/** Options of `jobsService`: those of `createJobs`, with `sql` an instance name (or left out for the default). */
export type JobsServiceOptions<M extends JobMap = JobMap> = Omit<JobsOptions<M>, 'sql'> & {
  readonly sql?: string | Sql;
};

/**
 * The jobs instance as a service of `createKeel`: built after the sql instance it names (or the
 * default one), its tables migrated at start-up, and closed at `keel.close()` (its workers
 * finish or hand back their jobs) before the database closes. It logs to the app's logger and
 * traces with the app's observability unless given others.
 *
 * @example
 * const jobsOf = createToken<Jobs<typeof definitions>>('jobs');
 * const keel = (await createKeel(config, { adapters, services: [jobsService({ jobs: definitions }, jobsOf)] }))._unsafeUnwrap();
 * keel.resolve(jobsOf).work('digest.send', async ({ payload }) => sendDigest(payload.workspaceId));
 */
export function jobsService<M extends JobMap = JobMap>(
  options: JobsServiceOptions<M> = {},
  token: KeelToken<Jobs<M>> = jobsToken as unknown as KeelToken<Jobs<M>>,
): ServiceDefinition<Jobs<M>> {
  const o = parseOptions(jobsOptions, options, 'jobsService');
  const named = o.sql === undefined || typeof o.sql === 'string';
  const sqlToken =
    o.sql === undefined || o.sql === 'default'
      ? tokens.sql
      : typeof o.sql === 'string'
        ? instanceToken('sql', o.sql)
        : undefined;
  return defineService({
    token,
    needs: [...(named && sqlToken ? [sqlToken] : []), keelTokens.logger, keelTokens.observability],
    async create(resolve) {
      const sql = named && sqlToken ? resolve(sqlToken) : (o.sql as Sql);
      const withApp = {
        ...o,
        logger: o.logger ?? resolve(keelTokens.logger),
        observability: o.observability ?? resolve(keelTokens.observability),
      };
      const jobs = buildJobs<M>(withApp, sql, 'jobsService');
      const migrated = await jobs.migrate();
      if (migrated.isErr()) throw migrated.error;
      return jobs;
    },
    close: (jobs) => jobs.close(),
  });
}
