import { err, ok, type Result } from '@keel/core';
import type { CompiledStep } from './validate-definition.js';
import { isComponentStep, type StepCall } from './workflow-definition.js';
import { type CallVerdict, verdictOf } from './component-breakers.js';
import type { StepUsage } from './run-store.js';
import type { WorkflowsRuntime } from './workflows-runtime.js';
import type { RecordedError } from './workflows-types.js';

/**
 * Runs one attempt of a step — its function, or its component's export through the registry —
 * and settles at its `timeoutMs` (`TIMEOUT`, the signal aborted) or when `controller` aborts
 * (`CANCELLED`) even if the step never does. A throw, a rejection or an `Err` is the attempt's error.
 */
export async function execute(
  rt: WorkflowsRuntime,
  step: CompiledStep,
  controller: AbortController,
  usage: StepUsage,
  decide: (verdict: CallVerdict) => void,
  call: StepCall,
): Promise<Result<unknown, RecordedError>> {
  let timer: NodeJS.Timeout | undefined;
  const stopped = new Promise<Result<unknown, RecordedError>>((resolve) => {
    const onAbort = () => {
      decide('abandoned');
      resolve(err({ code: 'CANCELLED', message: `step '${step.id}' was cancelled` }));
    };
    controller.signal.addEventListener('abort', onAbort, { once: true });
    timer = setTimeout(() => {
      controller.signal.removeEventListener('abort', onAbort);
      const message = `step '${step.id}' ran past its timeout of ${step.timeoutMs} ms`;
      // A component that does not answer in time is failing, as far as its circuit goes.
      decide('failed');
      resolve(err({ code: 'TIMEOUT', message }));
      controller.abort(new Error(message));
    }, step.timeoutMs);
  });
  try {
    return await Promise.race([attempt(rt, step, call, usage, decide), stopped]);
  } finally {
    clearTimeout(timer);
  }
}

async function attempt(
  rt: WorkflowsRuntime,
  step: CompiledStep,
  call: StepCall,
  usage: StepUsage,
  decide: (verdict: CallVerdict) => void,
): Promise<Result<unknown, RecordedError>> {
  const definition = step.definition;
  try {
    if (isComponentStep(definition)) {
      if (!rt.registry) return err({ code: 'UNKNOWN_COMPONENT', message: 'no registry was given to createWorkflows' });
      const args = Array.isArray(call.config) ? call.config : [];
      // The call's execution record names the run and step: the run's calls can be found in the log.
      // Its record's fuel and host calls go to the step's history.
      const options = {
        workflow: { run: call.runId, step: call.step },
        ...(definition.fuel === undefined ? {} : { maxFuel: definition.fuel }),
        onRecord: (record: { readonly fuelUsed: number | undefined; readonly hostCalls: Record<string, number> }) => {
          usage.fuelUsed = record.fuelUsed;
          usage.hostCalls = record.hostCalls;
        },
      };
      const called = await rt.registry.component(definition.component).callWith(options, definition.export, ...args);
      decide(called.isOk() ? 'answered' : verdictOf(called.error.code));
      return called.isOk()
        ? ok(called.value)
        : err({
            code: 'STEP_ERROR',
            message: `${definition.component}.${definition.export}: ${called.error.code}: ${called.error.message}`,
          });
    }
    const value = await definition.run(call);
    if (isResult(value)) return value.isOk() ? ok(value.value) : err(describe(value.error));
    return ok(value);
  } catch (thrown) {
    return err(describe(thrown));
  }
}

function isResult(value: unknown): value is Result<unknown, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { isOk?: unknown }).isOk === 'function' &&
    typeof (value as { isErr?: unknown }).isErr === 'function'
  );
}

/** A thrown value or an `Err`'s error, as recorded: its message, and its code when it has one. */
function describe(error: unknown): RecordedError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { code: 'STEP_ERROR', message: typeof code === 'string' ? `${code}: ${error.message}` : error.message };
  }
  return { code: 'STEP_ERROR', message: typeof error === 'string' ? error : (JSON.stringify(error) ?? String(error)) };
}
