import { currentContext } from '@keel/core';
import type { Runtime } from '../runtime/runtime.js';
import type { WorldPlan } from '../world/check-world.js';
import { REPOSITORY_PACKAGE } from './repository-interface.js';
import type { CallContext } from './repository-binding.js';

/**
 * The runtime with each call's `currentContext()` (tenant, actor, correlation id) held in `call`
 * while that call runs, for the bindings that act for the caller (repositories). Isolated mode
 * serves imports from a port's message handler, outside the caller's async context, so it is
 * captured where `call` is made. Calls are chained here, one at a time as the runtime runs them,
 * so that a queued call's context never stands in for the running one's. Isolated mode only:
 * in-thread, the guest runs inside `call`, so every binding (repositories' `sync` facet too) runs
 * in the caller's own context.
 */
export function withCallContext(runtime: Runtime, call: CallContext): Runtime {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    mode: runtime.mode,
    start: () => runtime.start(),
    exportNames: () => runtime.exportNames(),
    close: () => runtime.close(),
    call(name, args) {
      const context = currentContext();
      const run = tail.then(() => {
        call.current = context;
        return runtime.call(name, args).finally(() => {
          call.current = undefined;
        });
      });
      tail = run.catch(() => undefined);
      return run;
    },
  };
}

/** The component imports a repository interface. */
export function servesRepositories(plan: WorldPlan): boolean {
  return plan.keel.some((i) => i.name.startsWith(`${REPOSITORY_PACKAGE}/`));
}
