import type { CallWatch, KeelCallObserver, KeelCounter, KeelObservability } from '@keel/core';
import { isThenable, type Binding, type HostFunction } from '../imports/binding.js';

/**
 * The calls of one component in the order its runtime runs them (one at a time, first in first
 * out): the host calls the runtime serves belong to the oldest unfinished one. An entry is
 * `undefined` for a call made while nothing was recorded.
 */
export interface CallScope {
  readonly calls: (CallWatch | undefined)[];
}

/** What one component's observation needs: its calls' observer, the order they run in, its counters. */
export interface ComponentTelemetry {
  readonly observer: KeelCallObserver;
  readonly scope: CallScope;
  readonly executions: KeelCounter;
  readonly fuel: KeelCounter;
}

/** The counters a host keeps, made once per host. */
export function hostCounters(observability: KeelObservability) {
  return {
    executions: observability.counter('keel.wasm.executions', 'Component calls, by outcome.', [
      'component',
      'export',
      'outcome',
    ]),
    denials: observability.counter('keel.wasm.denials', 'Host calls a component was refused, by interface.', [
      'component',
      'interface',
      'function',
    ]),
    fuel: observability.counter('keel.wasm.fuel', 'Fuel components used (with limits.maxFuel), by export.', [
      'component',
      'export',
    ]),
    // Where each load found its transpiled component: the hit rate of the memory and disk caches.
    loads: observability.counter('keel.wasm.loads', 'Component loads, by where the transpiled artifact came from.', [
      'source',
    ]),
    // Bytes that are not what their pin or signature says: someone may be swapping components.
    securityAlerts: observability.counter(
      'keel.wasm.security_alerts',
      'Loads refused because a hash or signature did not match.',
      ['reason'],
    ),
  };
}

/** A component's telemetry: its calls observed as `wasm <export>` under interface `wasm`, instance = its id. */
export function componentTelemetry(
  observability: KeelObservability,
  id: string,
  mode: string,
  counters: Pick<ComponentTelemetry, 'executions' | 'fuel'>,
): ComponentTelemetry {
  return {
    observer: observability.observer({ interface: 'wasm', instance: id, adapter: mode, kind: 'internal' }),
    scope: { calls: [] },
    executions: counters.executions,
    fuel: counters.fuel,
  };
}

/**
 * The bindings with each host function traced: a child span of the component call it serves
 * (`wasm host kv.get`), with the adapter's own span inside it. A host function called while its
 * component's call is not traced runs as it is.
 */
export function observeHostCalls(
  bindings: Record<string, Binding>,
  scope: CallScope,
  observability: KeelObservability,
  component: string,
): Record<string, Binding> {
  const observed: Record<string, Binding> = {};
  for (const [short, binding] of Object.entries(bindings)) {
    // wasi:http's binding is the host's own refusal hook, not a call a guest makes.
    if (short === 'wasi:http') {
      observed[short] = binding;
      continue;
    }
    const wrapped: Record<string, HostFunction> = {};
    for (const [fn, f] of Object.entries(binding)) {
      const attributes = { 'keel.wasm.component': component, 'keel.wasm.interface': short, 'keel.wasm.function': fn };
      const name = `wasm host ${short}.${fn}`;
      wrapped[fn] = ((...args: never[]) => {
        const parent = scope.calls[0]?.context;
        if (parent === undefined) return f(...args);
        const span = observability.span(name, { parent, attributes });
        if (span === undefined) return f(...args);
        let value: unknown;
        try {
          value = span.within(() => f(...args));
        } catch (thrown) {
          span.end(failureOf(thrown));
          throw thrown;
        }
        if (!isThenable(value)) {
          span.end();
          return value;
        }
        return Promise.resolve(value).then(
          (resolved) => {
            span.end();
            return resolved;
          },
          (thrown: unknown) => {
            span.end(failureOf(thrown));
            throw thrown;
          },
        );
      }) as HostFunction;
    }
    observed[short] = wrapped;
  }
  return observed;
}

/** A guest-facing failure as an error code: a WIT error case (`access-denied` → `ACCESS_DENIED`), or the host's code. */
function failureOf(thrown: unknown): { code: string } {
  const t = thrown as { tag?: unknown; code?: unknown } | null;
  if (typeof t?.tag === 'string') return { code: t.tag.toUpperCase().replace(/-/g, '_') };
  return { code: typeof t?.code === 'string' ? t.code : 'INTERNAL' };
}
