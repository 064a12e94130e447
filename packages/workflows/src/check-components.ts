import { errAsync, okAsync, ResultAsync } from '@keel/core';
import type { CompiledWorkflow } from './validate-definition.js';
import { isComponentStep } from './workflow-definition.js';
import { type WorkflowsError, workflowsError } from './workflows-errors.js';
import type { WorkflowComponents } from './workflows-runtime.js';

/**
 * With a registry, each component step's component must exist with an active version whose
 * exports include the step's `export` (`UNKNOWN_COMPONENT` naming the step). Without one, a
 * component step is `UNKNOWN_COMPONENT` too: nothing could run it.
 */
export function checkComponents(
  registry: WorkflowComponents | undefined,
  wf: CompiledWorkflow,
): ResultAsync<void, WorkflowsError> {
  const unknown = (step: string, message: string, cause?: unknown) =>
    workflowsError('UNKNOWN_COMPONENT', 'register', `workflow '${wf.name}': step '${step}': ${message}`, {
      workflow: wf.name,
      step,
      ...(cause === undefined ? {} : { cause }),
    });
  const checks = [...wf.steps.values()].map((step) => {
    const d = step.definition;
    if (!isComponentStep(d)) return okAsync(undefined);
    if (!registry) return errAsync(unknown(step.id, 'a component step needs the registry option of createWorkflows'));
    return registry
      .get(d.component)
      .mapErr((e) =>
        e.code === 'NOT_FOUND'
          ? unknown(step.id, `the registry has no component '${d.component}'`, e)
          : workflowsError('DATABASE', 'register', `reading component '${d.component}': ${e.message}`, { cause: e }),
      )
      .andThen((info) => {
        const active = info.versions.find((v) => v.version === info.active);
        if (!active) return errAsync(unknown(step.id, `component '${d.component}' has no active version`));
        if (!active.exports.includes(d.export))
          return errAsync(
            unknown(
              step.id,
              `component '${d.component}'@${active.version} has no export '${d.export}' (it has ${active.exports.join(', ')})`,
            ),
          );
        return okAsync(undefined);
      });
  });
  return ResultAsync.combine(checks).map(() => undefined);
}
