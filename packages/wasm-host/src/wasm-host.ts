import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ResultAsync, errAsync, silentLogger, type CallWatch, type Keel, type KeelObservability } from '@keel/core';
import { parseOptions } from '@keel/core/adapter';
import { bindInterfaces, UnservedGrant } from './host/bind-interfaces.js';
import { adapterSource, type WasmHostAdapters } from './host/host-adapters.js';
import { serveSql, type SqlServing } from './host/sql-serving.js';
import { createComponent, type WasmComponent } from './host/wasm-component.js';
import { ResourceTable, type Binding, type BindingContext, type WitError } from './imports/binding.js';
import { CursorSeal } from './imports/cursor-seal.js';
import { rollbackLeftovers, type HeldTransaction } from './imports/sql-binding.js';
import { BlobStreams } from './imports/blob-streams.js';
import { ArtifactCache, type ArtifactSource } from './loader/artifact-cache.js';
import type { Artifact } from './loader/artifact.js';
import { isComponent, isCoreModule } from './loader/component-bytes.js';
import { CoreModuleError } from './loader/core-limits.js';
import { EmbeddedArtifactError, seaArtifacts } from './loader/embedded-artifacts.js';
import { ModuleCompiler } from './loader/module-compiler.js';
import { CappedStore } from './loader/capped-store.js';
import { sha256Hex, signatureProblem } from './loader/integrity.js';
import { TranspileError } from './loader/transpile.js';
import { TranspilerMissingError } from './loader/transpiler.js';
import { createMemoryExecutionLog, type ExecutionLogSink } from './log/execution-log.js';
import type { WasmHostLogger } from './log/logger.js';
import { componentTelemetry, hostCounters, observeHostCalls, type CallScope } from './host/observe-calls.js';
import { InThreadRuntime } from './runtime/in-thread-runtime.js';
import { IsolatedRuntime } from './runtime/isolated-runtime.js';
import { StartFailure, type Runtime, type RuntimeSpec } from './runtime/runtime.js';
import { WorkerPool } from './runtime/worker-pool.js';
import { checkWorld, type ComponentRole, type WorldPlan } from './world/check-world.js';
import { WasmHostError, type WasmHostErrorCode } from './wasm-host-errors.js';
import {
  internalLoadOptions,
  resolveLimits,
  wasmHostOptions,
  type LoadOptions,
  type WasmHostOptions,
} from './wasm-host-options.js';
import { servesRepositories, withCallContext } from './repository/call-context.js';
import type { CallContext } from './repository/repository-binding.js';
import { servedRepositories } from './repository/repository-grant.js';
import { BootingWorker } from './runtime/booting-worker.js';

/**
 * Runs WebAssembly components against a Keel app's adapters.
 *
 * @example
 * const host = createWasmHost(keel);
 * const component = (await host.load('./billing.wasm', {
 *   sha256: '9f86d0…',
 *   grants: { kv: { prefix: 'billing:' }, sql: 'read-only' },
 *   limits: { timeoutMs: 200 },
 * }))._unsafeUnwrap();
 * const total = await component.call('invoice-total', 'inv-42');
 */
export interface WasmHost {
  /**
   * Reads, verifies, checks and instantiates a component. Every refusal (`READ_FAILED`,
   * `HASH_MISMATCH`, `BAD_SIGNATURE`, `MALFORMED`, `TRANSPILER_MISSING`, `NOT_APP_WORLD`,
   * `UNAVAILABLE`, `MEMORY_LIMIT`, `INSTANTIATE_FAILED`) is an `Err` before any guest code runs, except
   * `INSTANTIATE_FAILED`, which is the guest's own start-up code failing.
   */
  load(source: string | Uint8Array, options?: LoadOptions): ResultAsync<WasmComponent, WasmHostError>;
  /** The sink every call's record goes to. */
  readonly executionLog: ExecutionLogSink;
  readonly logger: WasmHostLogger;
  /** Closes every component loaded by this host. The adapters are the app's: they stay open. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Isolated mode: one worker, or a pool of them. A component that holds sql transactions or
 * repository call contexts across its host calls keeps its calls one at a time (see WorkerPool).
 */
function isolatedRuntime(spec: RuntimeSpec, plan: WorldPlan, call: CallContext): Runtime {
  const repositories = servesRepositories(plan);
  const runtime = spec.pool
    ? new WorkerPool(spec, spec.pool, repositories || plan.keel.some((i) => i.short === 'sql'))
    : new IsolatedRuntime(spec);
  return repositories ? withCallContext(runtime, call) : runtime;
}

/** A Keel app, as opposed to a plain object of adapters: it has a logger and observability to lend. */
function isObservedApp(source: unknown): source is Pick<Keel, 'logger' | 'observability'> {
  const s = source as Partial<Keel> | null;
  return typeof s?.resolve === 'function' && typeof s.observability === 'object' && typeof s.logger === 'object';
}

/** Hosts made in this process: a host's number names its cache gauge's series. */
let hostsCreated = 0;

/** @internal A load for a specific role (the kv adapter loads its component as `kv-adapter`). */
export type InternalLoadOptions = LoadOptions & { readonly role?: ComponentRole };

/**
 * Creates a host that serves components' `keel:infrastructure` imports from `source`: a running
 * Keel app (its default instances, or named ones through a grant's `instance`) or a plain
 * object of adapters `{ kv, sql }`. The host never closes those adapters.
 */
export function createWasmHost(source: Keel | WasmHostAdapters, options: WasmHostOptions = {}): WasmHost {
  const o = parseOptions(wasmHostOptions, options, 'createWasmHost');
  const { cacheDir, cacheSize, lazyValidation, artifacts, mode, limits: hostLimits } = o;
  const app = isObservedApp(source) ? source : undefined;
  // Nothing prints on its own: without a logger of its own the host writes to the app's, or nowhere.
  const logger: WasmHostLogger = o.logger ?? app?.logger ?? silentLogger;
  const executionLog = o.executionLog ?? createMemoryExecutionLog();
  const observability: KeelObservability | undefined = o.observability ?? app?.observability;
  const observed = observability?.enabled ? observability : undefined;
  const counters = observed && hostCounters(observed);
  const hostNumber = String(++hostsCreated);

  const adapters = adapterSource(source);
  const repositories = servedRepositories(o.repositories);
  // Inside a single executable there is no jco: components come pre-transpiled from its assets.
  const executable = seaArtifacts();
  const store = artifacts ?? executable;
  const dir = cacheDir ?? join(process.cwd(), '.keel-data', 'wasm-cache');
  const cache = new ArtifactCache({
    dir,
    size: cacheSize,
    embedded: store === undefined ? undefined : { store, inExecutable: store === executable },
  });
  // Rewritten core modules go beside the transpiled ones, when those are kept on disk.
  const compiler = new ModuleCompiler(
    cacheSize,
    store === undefined && dir !== false ? new CappedStore(join(dir, 'capped')) : undefined,
    lazyValidation,
  );
  // The cache's size for the operator, read when metrics are: one series per host of the process.
  const stopCacheGauge = observed?.gauge(
    'keel.wasm.cache_entries',
    'Transpiled components held in memory by each host of the process (host: its number, in creation order).',
    ['host'],
    () => [[[hostNumber], cache.entries]],
  );
  const seal = new CursorSeal();
  const open = new Set<WasmComponent>();
  let closed = false;

  const fail = (code: WasmHostErrorCode, message: string, component?: string, cause?: unknown) =>
    new WasmHostError({
      code,
      message,
      op: 'load',
      ...(component === undefined ? {} : { component }),
      ...(cause === undefined ? {} : { cause }),
    });

  /** The options of one load, checked synchronously: a mistake throws before any work starts. */
  function readLoadOptions(input: unknown, options: InternalLoadOptions) {
    if (typeof input !== 'string' && !(input instanceof Uint8Array))
      throw new TypeError('host.load: source must be a file path or a Uint8Array');
    const l = parseOptions(internalLoadOptions, options, 'host.load');
    const { id: idOption, sha256: pinnedHex, signature, publicKey, grants, role } = l;
    const limits = resolveLimits(hostLimits, l.limits);
    const loadMode = l.mode ?? mode;
    return { idOption, pinnedHex, signature, publicKey, grants, limits, loadMode, role, pool: l.pool };
  }

  /** Runs one phase of a load in a child span of the load's (when traced); the span ends as the phase does. */
  async function phase<T>(
    name: string,
    parent: CallWatch | undefined,
    fn: (span?: CallWatch) => Promise<T>,
  ): Promise<T> {
    const span = parent && observed?.span(name, { parent: parent.context });
    if (span === undefined) return fn();
    try {
      const value = await span.within(() => fn(span));
      span.end();
      return value;
    } catch (error) {
      span.end(error instanceof Error && 'code' in error ? error : { code: 'INTERNAL' });
      throw error;
    }
  }

  async function load(
    input: string | Uint8Array,
    parsed: ReturnType<typeof readLoadOptions>,
    booting: BootingWorker | undefined,
    span?: CallWatch,
  ): Promise<WasmComponent> {
    const { idOption, pinnedHex, signature, publicKey, grants, limits, loadMode, role, pool } = parsed;
    let bytes: Uint8Array;
    if (typeof input === 'string') {
      try {
        bytes = await readFile(input);
      } catch (error) {
        throw fail('READ_FAILED', `cannot read ${input}: ${(error as Error).message}`, idOption, error);
      }
    } else {
      bytes = input;
    }
    const hash = sha256Hex(bytes);
    const id = idOption ?? (typeof input === 'string' ? basename(input).replace(/\.wasm$/, '') : hash.slice(0, 12));
    span?.set('keel.wasm.component', id);
    span?.set('keel.wasm.hash', hash);
    span?.set('keel.wasm.mode', loadMode);

    if (pinnedHex !== undefined && pinnedHex !== hash) {
      counters?.securityAlerts.add(['hash_mismatch']);
      throw fail('HASH_MISMATCH', `${id}: the bytes hash to sha256 ${hash}, not the pinned ${pinnedHex}`, id);
    }
    if ((signature === undefined) !== (publicKey === undefined)) {
      throw fail('BAD_SIGNATURE', `${id}: a signature needs a public key and a public key a signature`, id);
    }
    if (signature !== undefined && publicKey !== undefined) {
      const problem = signatureProblem(bytes, signature, publicKey);
      if (problem) {
        counters?.securityAlerts.add(['bad_signature']);
        throw fail('BAD_SIGNATURE', `${id}: ${problem}`, id);
      }
    }
    if (!isComponent(bytes)) {
      throw fail(
        'MALFORMED',
        `${id}: not a WebAssembly component${isCoreModule(bytes) ? ' (it is a core module; wrap it with wasm-tools component new)' : ''}`,
        id,
      );
    }

    let artifact: Artifact;
    let loadedFrom: ArtifactSource;
    try {
      ({ artifact, source: loadedFrom } = await phase('wasm transpile', span, async (child) => {
        const got = await cache.get(bytes, hash);
        child?.set('keel.wasm.artifact_source', got.source);
        counters?.loads.add([got.source]);
        return got;
      }));
    } catch (error) {
      if (error instanceof TranspileError) throw fail('MALFORMED', `${id}: ${error.message}`, id, error);
      if (error instanceof TranspilerMissingError) throw fail(error.code, `${id}: ${error.message}`, id, error);
      if (error instanceof EmbeddedArtifactError) throw fail('UNAVAILABLE', `${id}: ${error.message}`, id, error);
      throw error;
    }
    const checked = checkWorld(artifact, role, repositories);
    if ('problems' in checked) {
      throw fail(
        'NOT_APP_WORLD',
        `${id} is not a component of the app world:\n  - ${checked.problems.join('\n  - ')}`,
        id,
      );
    }
    if (checked.plan.http && executable !== undefined) {
      throw fail(
        'UNAVAILABLE',
        `${id} imports wasi:http, which cannot run inside a single executable: preview2-shim, which serves it, starts its IO worker from a file`,
        id,
      );
    }
    // Compiling runs off this thread (WebAssembly.compile) while the bindings are made, the glue
    // evaluated and, isolated, the worker starts; the runtime's start waits for it.
    const modules = phase('wasm compile', span, () => compiler.compile(artifact, limits));
    const compileFailure = () =>
      modules.then(
        () => undefined,
        (error: unknown) =>
          error instanceof CoreModuleError
            ? fail(error.code, `${id}: ${error.message}`, id, error)
            : fail('MALFORMED', `${id}: a core module does not compile: ${(error as Error).message}`, id, error),
      );
    // Awaited by the runtime's start, or below when the load fails before it.
    modules.catch(() => undefined);

    const denied = { count: 0 };
    const ctx: BindingContext = {
      componentId: id,
      hash,
      logger,
      denied(iface, fn, reason, counted = false): WitError {
        if (!counted) denied.count++;
        counters?.denials.add([id, iface, fn]);
        logger.warn?.({ component: id, hash, interface: iface, function: fn, reason }, 'denied a host call');
        return { tag: 'access-denied', val: `${iface}.${fn}: ${reason}` };
      },
    };
    const transactions = new ResourceTable<HeldTransaction>();
    const blobStreams = new BlobStreams();
    const scope: CallScope = { calls: [] };
    const call: CallContext = { current: undefined };
    let bindings: Record<string, Binding>;
    let sql: SqlServing | undefined;
    // The sql sandbox is a process of the component's own: it ends when the load fails or the component closes.
    const releaseSql = async () => sql?.sandbox?.close();
    try {
      if (grants.sql && checked.plan.keel.some((i) => i.short === 'sql'))
        sql = await serveSql(grants.sql, adapters, loadMode, limits);
      bindings = bindInterfaces({
        plan: checked.plan,
        grants,
        mode: loadMode,
        adapters,
        binding: ctx,
        transactions,
        blobStreams,
        seal,
        sql,
        repositories,
        call,
        callTimeoutMs: limits.timeoutMs,
      });
      if (observed) bindings = observeHostCalls(bindings, scope, observed, id);
    } catch (error) {
      await releaseSql();
      if (error instanceof UnservedGrant) throw fail('UNAVAILABLE', `${id}: ${error.message}`, id);
      throw error;
    }
    const runtimeSpec = {
      componentId: id,
      glue: artifact.glue,
      modules,
      plan: checked.plan,
      bindings,
      env: grants.env,
      http: checked.plan.http ? grants.http : undefined,
      limits,
      pool,
      booting,
      denied,
      endOfCall: () => {
        // A statement the guest still waits on means its call was cut short (a timeout): stop it.
        if (sql?.sandbox && sql.waiting > 0) sql.sandbox.interrupt();
        const discarded = blobStreams.release();
        const rolledBack = rollbackLeftovers(transactions, ctx);
        return discarded ? discarded.then(() => rolledBack) : rolledBack;
      },
    };
    const runtime: Runtime =
      loadMode === 'in-thread' ? new InThreadRuntime(runtimeSpec) : isolatedRuntime(runtimeSpec, checked.plan, call);
    try {
      await phase('wasm instantiate', span, () => runtime.start());
    } catch (error) {
      await Promise.all([runtime.close(), releaseSql()]);
      const failed = await compileFailure();
      if (failed) throw failed;
      if (error instanceof StartFailure)
        throw fail(error.code as WasmHostErrorCode, `${id}: ${error.message}`, id, error);
      throw error;
    }
    if (closed) {
      await Promise.all([runtime.close(), releaseSql()]);
      throw fail('CLOSED', `${id}: the host was closed during the load`, id);
    }
    const component = createComponent(runtime, {
      id,
      hash,
      loadedFrom,
      maxFuel: limits.maxFuel,
      sink: executionLog,
      logger,
      onClose: () => {
        open.delete(component);
        return releaseSql();
      },
      telemetry:
        observed && counters ? { ...componentTelemetry(observed, id, runtime.mode, counters), scope } : undefined,
    });
    open.add(component);
    return component;
  }

  const host: WasmHost = {
    load(input, options = {}) {
      const parsed = readLoadOptions(input, options);
      if (closed) return errAsync(fail('CLOSED', 'the host is closed'));
      const span = observed?.span('wasm load');
      // Isolated: the worker starts now, and Node boots in it while the load hashes, reads the
      // cache and compiles; the runtime takes it. Ended here if nothing took it.
      const booting =
        parsed.loadMode === 'isolated' ? new BootingWorker(parsed.limits, parsed.pool !== undefined) : undefined;
      const loading = span ? span.within(() => load(input, parsed, booting, span)) : load(input, parsed, booting);
      if (booting) {
        const discard = () => booting.discard();
        loading.then(discard, discard);
      }
      if (span)
        loading.then(
          () => span.end(),
          (error: unknown) => span.end(error ?? { code: 'INTERNAL' }),
        );
      return ResultAsync.fromPromise(loading, (error) =>
        error instanceof WasmHostError
          ? error
          : fail('INTERNAL', `loading failed: ${(error as Error).message}`, undefined, error),
      );
    },
    executionLog,
    logger,
    async close() {
      closed = true;
      stopCacheGauge?.();
      await Promise.all([...open].map((c) => c.close()));
    },
    [Symbol.asyncDispose]: () => host.close(),
  };
  return Object.freeze(host);
}
