import { boolean, integer, maxTimerMs, oneOf, option, shaped, string, text, withMethods } from '@keel/core/adapter';
import * as v from 'valibot';
import { wasmGrantsOptions } from './host/grants.js';
import type { PretranspiledArtifacts } from './loader/embedded-artifacts.js';
import { normalizeSha256, type PublicKeyInput } from './loader/integrity.js';
import type { ExecutionLogSink } from './log/execution-log.js';
import type { WasmHostLogger } from './log/logger.js';
import type { KeelObservability } from '@keel/core';
import type { ServableRepository } from './repository/repository-grant.js';

export type { WasmGrants } from './host/grants.js';

/**
 * `isolated` (the default): the component runs in its own worker thread, which is terminated
 * when a call times out; its imports are bridged to the adapters on the host thread.
 * `in-thread`: it runs on the calling thread, fastest, for trusted components; it needs
 * adapters that answer synchronously and cannot be stopped in the middle of pure computation.
 */
export type WasmMode = 'isolated' | 'in-thread';

const mode = oneOf(['isolated', 'in-thread']);

export const defaultLimits = Object.freeze({
  timeoutMs: 1000,
  maxMemoryBytes: 64 * 1024 * 1024,
  maxHostCalls: 10_000,
  maxOutputBytes: 64 * 1024,
  maxHeapBytes: 128 * 1024 * 1024,
  maxFuel: false as number | false,
});

/**
 * What a component may consume. No defaults in the schema: a load's limits are merged over the
 * host's, and both over `defaultLimits` (`resolveLimits`).
 */
export const wasmLimitsOptions = v.strictObject({
  timeoutMs: option(integer(1, maxTimerMs), { defaultText: '1000', description: 'Wall-clock time per call, in ms.' }),
  maxMemoryBytes: option(integer(65536, 4 * 1024 ** 3), {
    defaultText: '67108864 (64 MiB)',
    description: 'Linear memory, in bytes (rounded down to 64 KiB pages).',
  }),
  maxHostCalls: option(integer(0, Number.MAX_SAFE_INTEGER), {
    defaultText: '10000',
    description: "Calls to the keel interfaces (and wasi:http requests) per call; WASI's own calls are free.",
  }),
  maxOutputBytes: option(integer(0, 2 ** 30), {
    defaultText: '65536',
    description: 'stdout plus stderr kept per call, in bytes; the rest is dropped and the record says so.',
  }),
  maxHeapBytes: option(integer(16 * 1024 * 1024, 2 ** 40), {
    defaultText: '134217728 (128 MiB)',
    description: "Isolated mode: the worker's JavaScript heap, in bytes.",
  }),
  maxFuel: option(
    v.union([integer(1, Number.MAX_SAFE_INTEGER), v.literal(false)], 'expected a positive integer or false'),
    {
      defaultText: 'false (off)',
      description:
        'CPU per call, in fuel (about one unit per WebAssembly instruction); past it, `FUEL_EXHAUSTED`, in both modes. ' +
        '`false`: no fuel points are compiled in.',
    },
  ),
});

/** What a component may consume. */
export type WasmLimits = v.InferInput<typeof wasmLimitsOptions>;

const bytes = shaped<Uint8Array>('bytes (a Uint8Array)', (value) => value instanceof Uint8Array);

/** `pool`: instances kept ready, and how many at most. */
const poolOptions = v.pipe(
  v.strictObject({
    min: integer(0, 1024),
    max: integer(1, 1024),
  }),
  v.forward(
    v.check((p) => p.min <= p.max, 'must not exceed max'),
    ['min'],
  ),
);

/** A load's warm pool, as `pool` sets it. */
export interface PoolSize {
  readonly min: number;
  readonly max: number;
}

/** The options of `host.load`. */
export const loadOptions = v.strictObject({
  id: option(text(), {
    defaultText: "the file name, or the hash's first 12 characters",
    description: "The component's name in logs and execution records.",
  }),
  sha256: option(
    v.pipe(
      string(),
      v.check((s) => normalizeSha256(s) !== undefined, 'expected 64 hex digits or sha256-<base64>'),
      v.transform((s) => normalizeSha256(s) as string),
    ),
    { description: 'The sha256 the bytes must have: hex, or `sha256-<base64>`.' },
  ),
  signature: option(v.union([bytes, string()], 'expected bytes or a hex or base64 string'), {
    description: 'An ed25519 signature over the bytes (raw, hex or base64); needs `publicKey`.',
  }),
  publicKey: option(
    shaped<PublicKeyInput>(
      'a KeyObject, PEM text or the raw 32 bytes',
      (value) => typeof value === 'string' || (typeof value === 'object' && value !== null),
    ),
    { description: 'The ed25519 key the signature must verify with: a `KeyObject`, PEM, or the raw 32 bytes.' },
  ),
  grants: option(wasmGrantsOptions, { default: {}, description: 'What the component may use.' }),
  limits: option(wasmLimitsOptions, { default: {}, description: "Merged over the host's `limits`." }),
  mode: option(mode, { defaultText: "the host's `mode`", description: 'Where the component runs.' }),
  pool: option(poolOptions, {
    defaultText: 'none: one instance, reused by every call (state kept between calls)',
    description:
      'A warm pool: `min` instances ready ahead of calls, at most `max` (in isolated mode, one worker each, running ' +
      'calls in parallel). Each call gets a fresh instance: no state passes from one call to the next.',
  }),
});

/** Options of `host.load`. */
export type LoadOptions = v.InferInput<typeof loadOptions>;

/** @internal `host.load` for a specific role (the kv adapter loads its component as `kv-adapter`). */
export const internalLoadOptions = v.strictObject({
  ...loadOptions.entries,
  role: option(oneOf(['app', 'kv-adapter']), { default: 'app', description: 'What the component is for.' }),
});

/** The options of `createWasmHost`. */
export const wasmHostOptions = v.strictObject({
  cacheDir: option(v.union([text(), v.literal(false)], 'expected a folder path or false'), {
    defaultText: "'.keel-data/wasm-cache' under the working directory",
    description:
      'Where transpiled components are cached across processes; `false` for memory only. Write access to it ' +
      "is code execution in the host: keep it private to the app's user.",
  }),
  cacheSize: option(integer(1, 10_000), { default: 32, description: 'Transpiled components kept in memory.' }),
  lazyValidation: option(boolean(), {
    default: true,
    description:
      'Core modules read back from `cacheDir` (each compiled in full once before) are validated as each function is ' +
      'first called, not all at load: a 12 MB module loads 30–40 ms sooner. A function that fails still never runs ' +
      '(its call throws `CompileError`). V8 keeps this per process: from the first such load, every WebAssembly ' +
      "compile in the process validates lazily (`WebAssembly.validate` still validates everything; the host's own " +
      'first compiles do). `false`: validate every module in full at load.',
  }),
  artifacts: option(
    withMethods<PretranspiledArtifacts>(
      'an object with a get(key) method (a Map of embeddableArtifacts keys to data)',
      ['get'],
    ),
    {
      defaultText: "inside a single executable (`keel sea`), the executable's assets; elsewhere none",
      description:
        'Components transpiled ahead of time by `embeddableArtifacts`, by key. When set, the host never ' +
        'transpiles and ignores `cacheDir`: a component without its artifact fails to load with `UNAVAILABLE`.',
    },
  ),
  logger: option(withMethods<WasmHostLogger>('a logger', []), {
    defaultText: "the app's `keel.logger`; with plain adapters, none",
    description: 'Guest log records, denied calls and host warnings (pino-shaped: `info(fields, message)`, …).',
  }),
  observability: option(
    withMethods<KeelObservability>('keel.observability or createObservability()', ['observer', 'span', 'counter']),
    {
      defaultText: "the app's `keel.observability`; with plain adapters, none",
      description:
        'Spans (load, transpile, compile, instantiate, each call, each host call) and metrics (calls, executions, denials).',
    },
  ),
  executionLog: option(withMethods<ExecutionLogSink>('an execution log ({ write(record) })', ['write']), {
    defaultText: 'a memory ring of the last 1000',
    description: "Where each call's execution record goes.",
  }),
  mode: option(mode, { default: 'isolated', description: 'The default mode of every load.' }),
  limits: option(wasmLimitsOptions, { default: {}, description: 'Defaults for every load.' }),
  repositories: option(
    v.record(
      text(),
      withMethods<ServableRepository>('a repository from createRepository', [
        'findById',
        'findMany',
        'create',
        'update',
        'delete',
      ]),
      'expected an object of repositories by interface name',
    ),
    {
      defaultText: 'none',
      description:
        'Repositories components may import as `keel:repository/<name>` (WIT from `repositoryWit`), when granted.',
    },
  ),
});

/** Options of `createWasmHost`. */
export type WasmHostOptions = v.InferInput<typeof wasmHostOptions>;

export interface ResolvedLimits {
  readonly timeoutMs: number;
  readonly maxMemoryPages: number;
  readonly maxHostCalls: number;
  readonly maxOutputBytes: number;
  readonly maxHeapMb: number;
  readonly maxTableElements: number;
  /** Fuel per call; `undefined`: the modules have no fuel points. */
  readonly maxFuel: number | undefined;
}

type ParsedLimits = v.InferOutput<typeof wasmLimitsOptions>;

/** The host's parsed limits with a load's over them, over the defaults. */
export function resolveLimits(base: ParsedLimits, over: ParsedLimits): ResolvedLimits {
  const merged: { [K in keyof ParsedLimits]-?: Exclude<ParsedLimits[K], undefined> } = { ...defaultLimits };
  for (const limits of [base, over]) {
    for (const [key, value] of Object.entries(limits) as [keyof ParsedLimits, never][]) {
      if (value !== undefined) merged[key] = value;
    }
  }
  return {
    timeoutMs: merged.timeoutMs,
    maxMemoryPages: Math.floor(merged.maxMemoryBytes / 65536),
    maxHostCalls: merged.maxHostCalls,
    maxOutputBytes: merged.maxOutputBytes,
    maxHeapMb: Math.floor(merged.maxHeapBytes / (1024 * 1024)),
    maxTableElements: 100_000,
    maxFuel: merged.maxFuel === false ? undefined : merged.maxFuel,
  };
}
