import { ResultAsync, err, ok, type CallWatch, type Result } from '@keel/core';
import type { ExecutionLogSink, ExecutionRecord } from '../log/execution-log.js';
import type { WasmHostLogger } from '../log/logger.js';
import { resolveExport, type CallResult, type Runtime } from '../runtime/runtime.js';
import { WasmHostError, type WasmHostErrorCode } from '../wasm-host-errors.js';
import type { WasmMode } from '../wasm-host-options.js';
import { type CallOptions, checkCallOptions } from './call-options.js';
import type { ComponentTelemetry } from './observe-calls.js';

/**
 * A loaded component. Arguments and results use jco's JavaScript representation of the WIT
 * types: numbers (`u64`/`s64` as `bigint`), strings, `Uint8Array` for `list<u8>`, arrays,
 * records as objects with camelCase fields, variants as `{ tag, val }`, `option` as the value or
 * `undefined`. An export returning `result<T, E>` gives `Ok(T)`, or `Err` with code
 * `GUEST_ERROR` and the `E` value in `payload`.
 *
 * @example
 * const sum = await component.call<number>('add', 2, 3); // Ok(5)
 */
export interface WasmComponent {
  /** The id it was loaded with. */
  readonly id: string;
  /** sha256 of its bytes. */
  readonly hash: string;
  readonly mode: WasmMode;
  /**
   * Where its transpiled form came from: this host's memory, the artifacts transpiled ahead of
   * time (`artifacts`, or a single executable's assets), the cache folder, or jco just now.
   */
  readonly loadedFrom: 'memory' | 'embedded' | 'disk' | 'transpiled';
  /** What `call` accepts: function exports (`checkedDiv`) and interface functions (`keel:infrastructure/kv@0.1.0#get`). */
  readonly exports: readonly string[];
  /**
   * Calls an export by its WIT name (`checked-div`), jco's name (`checkedDiv`) or, in an exported
   * interface, `interface#function` (`kv#get`). Calls to one component run one at a time,
   * except in isolated mode with a `pool`, where they run in parallel, one per worker.
   * An unknown name is a programming mistake and throws a `TypeError`.
   */
  call<T = unknown>(name: string, ...args: unknown[]): ResultAsync<T, WasmHostError>;
  /**
   * `call` with options: the workflow step it is made for (its execution record names the run
   * and step). Options of the wrong shape throw a `TypeError`.
   */
  callWith<T = unknown>(options: CallOptions, name: string, ...args: unknown[]): ResultAsync<T, WasmHostError>;
  /** In-thread mode only: `call` without the promise, for the lowest overhead. Throws a `TypeError` in isolated mode. */
  callSync<T = unknown>(name: string, ...args: unknown[]): Result<T, WasmHostError>;
  /** Ends the instance (and its worker). Later calls are `Err(CLOSED)`. Idempotent. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface ComponentContext {
  readonly id: string;
  readonly hash: string;
  readonly loadedFrom: WasmComponent['loadedFrom'];
  /** The load's `limits.maxFuel`: without it the code has no fuel points, and a call's `maxFuel` has nothing to count. */
  readonly maxFuel: number | undefined;
  readonly sink: ExecutionLogSink;
  readonly logger: WasmHostLogger;
  /** Runs once the runtime is closed; `close()` waits for what it returns. */
  readonly onClose: () => unknown;
  /** Spans and metrics of its calls, when the host is observed. */
  readonly telemetry?: ComponentTelemetry | undefined;
}

export function createComponent(runtime: Runtime, context: ComponentContext): WasmComponent {
  const { id, hash, sink, logger } = context;
  const names = new Map<string, string>();
  let closing: Promise<void> | undefined;

  const resolve = (name: string): string => {
    let resolved = names.get(name);
    if (resolved === undefined) {
      if (typeof name !== 'string')
        throw new TypeError(`component.call: the export name must be a string, got ${typeof name}`);
      resolved = resolveExport(name, runtime.exportNames());
      if (resolved === undefined) {
        throw new TypeError(
          `component ${id} has no export '${name}' (exports: ${runtime.exportNames().join(', ') || 'none'})`,
        );
      }
      names.set(name, resolved);
    }
    return resolved;
  };

  const { telemetry } = context;
  const finish = <T>(
    name: string,
    t0: number,
    result: CallResult,
    watch: CallWatch | undefined,
    options: CallOptions | undefined,
  ): Result<T, WasmHostError> => {
    const { failure, report } = result;
    if (watch !== undefined) observed(watch, name, result);
    // Built field by field (no spreads): this runs on every call.
    const record: ExecutionRecord = {
      component: id,
      hash,
      export: name,
      mode: runtime.mode,
      startedAt: timeOrigin + t0,
      durationMs: performance.now() - t0,
      hostCalls: report === undefined ? noCalls : report.hostCalls,
      deniedCalls: report === undefined ? 0 : report.deniedCalls,
      outcome: failure === undefined ? 'ok' : 'error',
      error: failure === undefined ? undefined : { code: failure.code as WasmHostErrorCode, message: failure.message },
      memoryPages: result.memoryPages,
      fuelUsed: result.fuelUsed,
      stdout: report === undefined ? '' : report.stdout,
      stderr: report === undefined ? '' : report.stderr,
      outputTruncated: report === undefined ? false : report.outputTruncated,
      workflow: options === undefined ? undefined : options.workflow,
    };
    if (options !== undefined && options.onRecord !== undefined) {
      try {
        options.onRecord(record);
      } catch (error) {
        // The caller's hook failing is the caller's bug: logged, and the call's result stands.
        sinkFailed(logger, id, error);
      }
    }
    try {
      const written = sink.write(record);
      if (written) written.catch((error: unknown) => sinkFailed(logger, id, error));
    } catch (error) {
      sinkFailed(logger, id, error);
    }
    if (!failure) return ok(result.value as T);
    return err(
      new WasmHostError({
        code: failure.code as WasmHostErrorCode,
        message: `${id}.${name}: ${failure.message}`,
        op: name,
        component: id,
        ...(failure.code === 'GUEST_ERROR' ? { payload: failure.payload } : {}),
      }),
    );
  };

  /** The call's entry leaves the scope: it is the oldest, since calls run in order. */
  const leave = (watch: CallWatch | undefined) => {
    const calls = telemetry?.scope.calls;
    const at = calls?.indexOf(watch) ?? -1;
    if (calls && at >= 0) calls.splice(at, 1);
  };
  const observed = (watch: CallWatch, name: string, { failure, report, memoryPages, fuelUsed }: CallResult) => {
    telemetry?.executions.add([id, name, failure === undefined ? 'ok' : 'error']);
    if (fuelUsed !== undefined) telemetry?.fuel.add([id, name], fuelUsed);
    watch.set('keel.wasm.component', id);
    watch.set('keel.wasm.hash', hash);
    watch.set('keel.wasm.export', name);
    if (memoryPages !== undefined) watch.set('keel.wasm.memory_pages', memoryPages);
    if (fuelUsed !== undefined) watch.set('keel.wasm.fuel_used', fuelUsed);
    if (report !== undefined) {
      let calls = 0;
      for (const n of Object.values(report.hostCalls)) calls += n;
      watch.set('keel.wasm.host_calls', calls);
      watch.set('keel.wasm.denied_calls', report.deniedCalls);
    }
    watch.end(failure === undefined ? undefined : { code: failure.code });
  };

  const invoke = <T>(options: CallOptions | undefined, name: string, args: unknown[]) => {
    const resolved = resolve(name);
    // In-thread, the call runs now and its result is read now: the runtime reuses its result
    // object, so a second call made before the first's promise settles would overwrite it (and,
    // observed, the call leaves the scope before the next one can enter it).
    if (runtime.callSync) return new ResultAsync(Promise.resolve(invokeSync<T>(options, name, args)));
    const t0 = performance.now();
    const fuel = options === undefined ? undefined : options.maxFuel;
    if (telemetry === undefined)
      return new ResultAsync<T, WasmHostError>(
        runtime.call(resolved, args, fuel).then((result) => finish<T>(name, t0, result, undefined, options)),
      );
    const entry = { watch: telemetry.observer.begin(name) };
    telemetry.scope.calls.push(entry.watch);
    const running = entry.watch
      ? entry.watch.within(() => runtime.call(resolved, args, fuel))
      : runtime.call(resolved, args, fuel);
    return new ResultAsync<T, WasmHostError>(
      running.finally(() => leave(entry.watch)).then((result) => finish<T>(name, t0, result, entry.watch, options)),
    );
  };

  /** In-thread: the call runs and is recorded before this returns. */
  const invokeSync = <T>(options: CallOptions | undefined, name: string, args: unknown[]) => {
    const resolved = resolve(name);
    const t0 = performance.now();
    const callSync = (runtime.callSync as NonNullable<Runtime['callSync']>).bind(runtime);
    const fuel = options === undefined ? undefined : options.maxFuel;
    if (telemetry === undefined) return finish<T>(name, t0, callSync(resolved, args, t0, fuel), undefined, options);
    const watch = telemetry.observer.begin(name);
    telemetry.scope.calls.push(watch);
    let result: CallResult;
    try {
      result = watch ? watch.within(() => callSync(resolved, args, t0, fuel)) : callSync(resolved, args, t0, fuel);
    } finally {
      leave(watch);
    }
    return finish<T>(name, t0, result, watch, options);
  };

  const component: WasmComponent = {
    id,
    hash,
    mode: runtime.mode,
    loadedFrom: context.loadedFrom,
    get exports() {
      return runtime.exportNames();
    },
    call<T>(name: string, ...args: unknown[]) {
      return invoke<T>(undefined, name, args);
    },
    callWith<T>(options: CallOptions, name: string, ...args: unknown[]) {
      checkCallOptions(options);
      if (options.maxFuel !== undefined && context.maxFuel === undefined) {
        resolve(name);
        const message = `${id}.${name}: maxFuel needs a component loaded with limits.maxFuel (its code counts no fuel)`;
        return new ResultAsync(
          Promise.resolve(err(new WasmHostError({ code: 'INVALID_ARGUMENT', message, op: name, component: id }))),
        );
      }
      return invoke<T>(options, name, args);
    },
    callSync<T>(name: string, ...args: unknown[]) {
      if (!runtime.callSync) throw new TypeError(`component ${id}: callSync needs in-thread mode; use call`);
      return invokeSync<T>(undefined, name, args);
    },
    close() {
      closing ??= runtime.close().finally(context.onClose);
      return closing;
    },
    [Symbol.asyncDispose]() {
      return component.close();
    },
  };
  return Object.freeze(component);
}

const noCalls: Readonly<Record<string, number>> = Object.freeze({});
/** `performance.timeOrigin` is a getter; it never changes. */
const timeOrigin = performance.timeOrigin;

function sinkFailed(logger: WasmHostLogger, component: string, error: unknown): void {
  logger.warn?.(
    { component, error: error instanceof Error ? error.message : String(error) },
    'the execution log sink failed; a record was lost',
  );
}
