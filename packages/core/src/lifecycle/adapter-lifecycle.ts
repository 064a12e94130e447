import { err, ok, type Result } from 'neverthrow';
import type { GuardErrors } from './guarded-call.js';
import type { HealthDetail, HealthReport } from './health.js';
import type { Lifecycle } from './lifecycle.js';
import type { CallObserver } from '../observability/call-observer.js';

/** How the container observes a guarded instance: a member under this symbol sets its observer. */
export const observeInstance = Symbol('keel.observeInstance');

type AdapterHealth = Omit<HealthReport, 'interface' | 'name'>;

/**
 * The lifecycle members of a guarded adapter (`open`, `close`, `health`, async dispose),
 * shared by every interface's guard.
 */
export function adapterLifecycle<E extends Error>(
  adapter: string,
  lifecycle: Lifecycle,
  errors: GuardErrors<E>,
  probe: () => unknown,
) {
  const closed = () => lifecycle.ended;
  return {
    open(): Promise<Result<void, E>> {
      if (closed()) return Promise.resolve(err(errors.notOpen('open')));
      return lifecycle.open().then(
        () => ok(undefined),
        (thrown: unknown) => err(errors.fromThrown(thrown, 'open')),
      );
    },
    close: () => lifecycle.close(),
    async health(): Promise<AdapterHealth> {
      const started = performance.now();
      const report = (healthy: boolean, extra: { error?: string; detail?: HealthDetail }): AdapterHealth => ({
        adapter,
        ok: healthy,
        latencyMs: performance.now() - started,
        ...(extra.error === undefined ? {} : { error: extra.error }),
        ...(extra.detail ? { detail: extra.detail } : {}),
      });
      if (closed()) return report(false, { error: 'closed' });
      try {
        await lifecycle.open();
        return report(true, { detail: (await probe()) as HealthDetail });
      } catch (thrown) {
        return report(false, { error: errors.fromThrown(thrown, 'health').message });
      }
    },
    [Symbol.asyncDispose]: () => lifecycle.close(),
    [observeInstance]: (observer: CallObserver | undefined) => {
      lifecycle.observer = observer;
    },
  };
}
