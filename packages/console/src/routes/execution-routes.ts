import { err, ok, type Result } from '@keel/core';
import type { ExecutionSource } from '../console-options.js';
import { failure, type HttpFailure } from '../console-errors.js';
import { intParam, moduleName, moduleVersion } from '../names.js';
import { ref } from '../openapi.js';
import type { Route } from '../router.js';
import { executionView } from '../views.js';
import { all, domain, json } from './route-kit.js';

/**
 * The execution log: wasm-host's records (one per export call) as `createSqlExecutionLog`
 * stores them. A record names the component (`name@version`) and, for a workflow step's call,
 * the run and step (`workflow`), so `run` finds a run's calls.
 */
export function executionRoutes(log: ExecutionSource | undefined): Route[] {
  return [
    {
      method: 'GET',
      path: '/api/executions',
      permission: 'components:read',
      operation: {
        operationId: 'listExecutions',
        summary: 'Execution records, newest first, filtered',
        tags: ['executions'],
        query: [
          { name: 'id', description: 'One record by id', schema: { type: 'integer' } },
          { name: 'module', description: "A module's name (every version)", schema: { type: 'string' } },
          { name: 'version', description: 'With module: one version', schema: { type: 'string' } },
          { name: 'outcome', description: 'ok or error', schema: { enum: ['ok', 'error'] } },
          { name: 'run', description: "A workflow run's id: the calls its steps made", schema: { type: 'string' } },
          { name: 'from', description: 'Started at or after (ISO time or ms)', schema: { type: 'string' } },
          { name: 'to', description: 'Started before (ISO time or ms)', schema: { type: 'string' } },
          { name: 'cursor', description: "The previous page's cursor", schema: { type: 'string' } },
          { name: 'limit', description: 'At most this many (1–500, default 50)', schema: { type: 'integer' } },
        ],
        success: { status: 200, description: 'A page of records', json: ref('ExecutionPage') },
        errors: [400, 501],
      },
      async handle(ctx) {
        if (!log)
          return err(
            failure('NOT_CONFIGURED', 'no execution log: give createConsole the executionLog the host writes to'),
          );
        const q = ctx.query;
        const run = q.get('run');
        if (run !== null && !/^[A-Za-z0-9._:-]{1,200}$/.test(run))
          return err(failure('BAD_REQUEST', "the query parameter 'run' must be a run id (letters, digits, . _ : -)"));
        const outcome = q.get('outcome');
        if (outcome !== null && outcome !== 'ok' && outcome !== 'error')
          return err(failure('BAD_REQUEST', "the query parameter 'outcome' must be 'ok' or 'error'"));
        const module = q.get('module');
        const version = q.get('version');
        if (version !== null && module === null)
          return err(failure('BAD_REQUEST', "the query parameter 'version' needs 'module'"));
        const checked = all(
          intParam(q, 'id', 1, Number.MAX_SAFE_INTEGER, undefined),
          intParam(q, 'cursor', 1, Number.MAX_SAFE_INTEGER, undefined),
          intParam(q, 'limit', 1, 500, 50),
          time(q, 'from'),
          time(q, 'to'),
          module === null ? okValue(undefined) : moduleName(module),
          version === null ? okValue(undefined) : moduleVersion(version),
        );
        if (checked.isErr()) return err(checked.error);
        const [id, before, limit, from, to, name, ver] = checked.value;
        const component = name === undefined ? undefined : ver === undefined ? name : `${name}@${ver}`;
        const page = await domain(
          log.query({
            ...(id !== undefined ? { id } : {}),
            ...(before !== undefined ? { before } : {}),
            ...(limit !== undefined ? { limit } : {}),
            ...(from !== undefined ? { from } : {}),
            ...(to !== undefined ? { to } : {}),
            ...(component !== undefined ? { component } : {}),
            ...(outcome !== null ? { outcome } : {}),
            ...(run !== null ? { workflowRun: run } : {}),
          }),
        );
        return page.andThen((p) =>
          json({ items: p.items.map(executionView), cursor: p.cursor === undefined ? null : String(p.cursor) }),
        );
      },
    },
  ];
}

function okValue<T>(value: T): Result<T, HttpFailure> {
  return ok(value);
}

/** A time query parameter: ISO text or milliseconds since the epoch. */
function time(q: URLSearchParams, name: string): Result<number | undefined, HttpFailure> {
  const raw = q.get(name);
  if (raw === null) return ok(undefined);
  const ms = /^\d{1,15}$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(ms))
    return err(
      failure('BAD_REQUEST', `the query parameter '${name}' must be an ISO time or milliseconds since the epoch`),
    );
  return ok(ms);
}
