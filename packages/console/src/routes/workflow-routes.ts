import { err, ok, type Result } from '@keel/core';
import type { RunState, Workflows, WorkflowDefinition } from '@keel/workflows';
import { failure, type HttpFailure } from '../console-errors.js';
import { readJson } from '../http-io.js';
import { ref } from '../openapi.js';
import type { Route } from '../router.js';
import { intParam } from '../names.js';
import { runSummaryView, runView } from '../views.js';
import { all, domain, json, objectBody } from './route-kit.js';

const tags = ['workflows'];
const runId = /^[0-9a-f-]{36}$/;
const runStates: readonly RunState[] = ['running', 'completed', 'failed', 'cancelled'];

/**
 * The workflow routes. A definition registered here is registered in this process (as
 * `workflows.register` does): processes that work runs register it too, from the app's code.
 */
export function workflowRoutes(workflows: Workflows | undefined, maxJsonBytes: number): Route[] {
  const need = (): Result<Workflows, HttpFailure> =>
    workflows
      ? ok(workflows)
      : err(failure('NOT_CONFIGURED', 'no workflows: give createConsole the workflows instance'));
  const idOf = (value: string | undefined): Result<string, HttpFailure> =>
    value && runId.test(value) ? ok(value) : err(failure('BAD_REQUEST', 'a run id is a UUID'));
  return [
    {
      method: 'PUT',
      path: '/api/workflows/{workflow}',
      permission: 'workflows:write',
      operation: {
        operationId: 'registerWorkflow',
        summary: 'Register a workflow of component steps (checked: steps, routes, cycles, inputs, components)',
        tags,
        body: { 'application/json': ref('WorkflowDefinition') },
        success: {
          status: 200,
          description: 'Registered',
          json: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
        },
        errors: [400, 413, 415, 501],
      },
      async handle(ctx) {
        const wf = need();
        if (wf.isErr()) return err(wf.error);
        const name = ctx.params.workflow as string;
        const body = (await readJson(ctx.req, maxJsonBytes)).andThen((b) => objectBody(b, 'a workflow definition'));
        if (body.isErr()) return err(body.error);
        const functionStep = Object.entries((body.value.steps ?? {}) as Record<string, unknown>).find(
          ([, step]) => typeof step !== 'object' || step === null || !('component' in step),
        );
        if (functionStep)
          return err(
            failure(
              'BAD_REQUEST',
              `step '${functionStep[0]}': over HTTP every step is a component step ({ component, export })`,
              {
                details: { step: functionStep[0] },
              },
            ),
          );
        const done = await domain(wf.value.register(name, body.value as unknown as WorkflowDefinition));
        return done.andThen(() => json({ name }));
      },
    },
    {
      method: 'POST',
      path: '/api/workflows/{workflow}/runs',
      permission: 'workflows:run',
      operation: {
        operationId: 'startRun',
        summary: 'Start a run of a registered workflow; the body is { input }',
        tags,
        body: { 'application/json': { type: 'object', properties: { input: {} } } },
        success: {
          status: 201,
          description: 'The run',
          json: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } },
        },
        errors: [400, 404, 413, 415, 501],
      },
      async handle(ctx) {
        const wf = need();
        if (wf.isErr()) return err(wf.error);
        const body = (await readJson(ctx.req, maxJsonBytes)).andThen((b) => objectBody(b, '{ "input": … }'));
        if (body.isErr()) return err(body.error);
        const started = await domain(
          wf.value.start(ctx.params.workflow as string, (body.value.input ?? null) as never),
        );
        return started.andThen((id) => json({ id }, 201));
      },
    },
    {
      method: 'GET',
      path: '/api/runs',
      permission: 'workflows:read',
      operation: {
        operationId: 'listRuns',
        summary: "Runs newest first, by workflow and state (every process's: they are read from the tables)",
        tags,
        query: [
          { name: 'workflow', description: "Only this workflow's runs", schema: { type: 'string' } },
          { name: 'state', description: 'Only runs in this state', schema: { enum: [...runStates] } },
          { name: 'cursor', description: "The previous page's cursor", schema: { type: 'string' } },
          { name: 'limit', description: 'At most this many (1–500, default 50)', schema: { type: 'integer' } },
        ],
        success: { status: 200, description: 'A page of runs', json: ref('RunPage') },
        errors: [400, 501],
      },
      async handle(ctx) {
        const q = ctx.query;
        const state = q.get('state');
        if (state !== null && !runStates.includes(state as RunState))
          return err(failure('BAD_REQUEST', `the query parameter 'state' must be one of ${runStates.join(', ')}`));
        const checked = all(need(), intParam(q, 'limit', 1, 500, 50));
        if (checked.isErr()) return err(checked.error);
        const [wf, limit] = checked.value;
        const workflow = q.get('workflow');
        const cursor = q.get('cursor');
        const page = await domain(
          wf.list({
            ...(workflow === null ? {} : { workflow }),
            ...(state === null ? {} : { state: state as RunState }),
            ...(cursor === null ? {} : { cursor }),
            ...(limit === undefined ? {} : { limit }),
          }),
        );
        return page.andThen((p) => json({ items: p.runs.map(runSummaryView), cursor: p.next ?? null }));
      },
    },
    {
      method: 'GET',
      path: '/api/runs/{id}',
      permission: 'workflows:read',
      operation: {
        operationId: 'getRun',
        summary: 'A run: its state, context, error and every step visit',
        tags,
        success: { status: 200, description: 'The run', json: ref('Run') },
        errors: [400, 404, 501],
      },
      async handle(ctx) {
        const target = all(need(), idOf(ctx.params.id));
        if (target.isErr()) return err(target.error);
        const [wf, id] = target.value;
        const status = await domain(wf.status(id));
        if (status.isErr()) return err(status.error);
        const steps = await domain(wf.history(id));
        return steps.andThen((s) => json(runView(status.value, s)));
      },
    },
    {
      method: 'POST',
      path: '/api/runs/{id}/cancel',
      permission: 'workflows:run',
      operation: {
        operationId: 'cancelRun',
        summary: 'Cancel a running run (cancelled: false when it had ended)',
        tags,
        success: {
          status: 200,
          description: 'Whether it was cancelled',
          json: { type: 'object', required: ['cancelled'], properties: { cancelled: { type: 'boolean' } } },
        },
        errors: [400, 404, 501],
      },
      async handle(ctx) {
        const target = all(need(), idOf(ctx.params.id));
        if (target.isErr()) return err(target.error);
        const [wf, id] = target.value;
        return (await domain(wf.cancel(id))).andThen((cancelled) => json({ cancelled }));
      },
    },
  ];
}
