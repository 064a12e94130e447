import { resolve } from 'node:path';
import {
  boolean,
  integer,
  kvLimitsOption,
  maxTimerMs,
  oneOf,
  option,
  required,
  shaped,
  string,
  text,
  withMethods,
} from '@keel/core/adapter';
import * as v from 'valibot';
import type { ExecutionLogSink } from '../log/execution-log.js';
import type { WasmHostLogger } from '../log/logger.js';
import { wasmLimitsOptions } from '../wasm-host-options.js';

const bytes = shaped<Uint8Array>('bytes (a Uint8Array)', (value) => value instanceof Uint8Array);

/** The options of `createComponentKv`: a component that exports `keel:infrastructure/kv`, pinned by hash. */
export const componentKvOptions = v.pipe(
  v.strictObject({
    path: option(text(), {
      description: 'The component file, relative to the working directory. Give `path` or `bytes`.',
    }),
    bytes: option(bytes, { description: "The component's bytes." }),
    sha256: required(
      text(),
      'The sha256 its bytes must have (hex or `sha256-<base64>`): a component adapter is always pinned.',
    ),
    signature: option(v.union([bytes, string()], 'expected bytes or a base64 string'), {
      description: 'An ed25519 signature over the bytes, checked with `publicKey`.',
    }),
    publicKey: option(
      shaped<import('node:crypto').KeyObject | string | Uint8Array>(
        'a KeyObject, PEM text or DER bytes',
        (value) => typeof value === 'string' || value instanceof Uint8Array || typeof value === 'object',
      ),
      { description: 'The ed25519 public key the signature is checked with.' },
    ),
    id: option(text(), { default: 'kv-component', description: 'Its name in logs and execution records.' }),
    mode: option(oneOf(['isolated', 'in-thread']), {
      default: 'isolated',
      description: '`isolated` runs it in a worker stopped at its timeout; `in-thread` on the calling thread.',
    }),
    limits: option(
      v.strictObject({
        timeoutMs: option(integer(1, maxTimerMs), { default: 5000, description: 'Wall-clock time per call, in ms.' }),
        maxMemoryBytes: option(integer(65536, 4 * 1024 ** 3), {
          default: 256 * 1024 * 1024,
          description: 'Linear memory of the component, in bytes.',
        }),
        maxHostCalls: option(integer(0, Number.MAX_SAFE_INTEGER), { description: 'Host calls per call.' }),
        maxOutputBytes: option(integer(0, 2 ** 30), { description: 'stdout plus stderr kept per call, in bytes.' }),
        maxHeapBytes: option(integer(1024 * 1024, 16 * 1024 ** 3), {
          description: "Isolated mode: the worker's JavaScript heap, in bytes.",
        }),
        maxFuel: wasmLimitsOptions.entries.maxFuel,
      }),
      { default: {}, description: "The component's limits (see wasm-host's limits)." },
    ),
    capabilities: option(
      v.strictObject({
        ttl: option(boolean(), { default: true, description: 'The component implements expiry.' }),
        atomicBatch: option(boolean(), { default: false, description: 'Its batches are atomic.' }),
        persistent: option(boolean(), { default: false, description: 'Its data outlives the process.' }),
      }),
      {
        default: {},
        description: 'What the component can do; core refuses the rest before calling it. Never `synchronous`.',
      },
    ),
    kvLimits: kvLimitsOption,
    cacheDir: option(v.union([text(), v.literal(false)], 'expected a folder or false'), {
      defaultText: "'.keel-data/wasm-cache'",
      description: 'Where the transpiled component is cached; `false` keeps nothing on disk.',
    }),
    logger: option(withMethods<WasmHostLogger>('a logger', []), {
      defaultText: "the app's logger (through config), else none",
      description: 'Where the host logs.',
    }),
    executionLog: option(withMethods<ExecutionLogSink>('an execution log ({ write(record) })', ['write']), {
      defaultText: 'a memory ring of the last 1000 calls',
      description: 'Where each call is recorded.',
    }),
  }),
  v.forward(
    v.check((o) => (o.path === undefined) !== (o.bytes === undefined), 'give exactly one of path and bytes'),
    ['path'],
  ),
  v.transform((o) => ({
    ...o,
    source: o.path === undefined ? (o.bytes as Uint8Array) : resolve(o.path),
    capabilities: { ...o.capabilities, synchronous: false },
  })),
);

/** Options of `createComponentKv`. */
export type ComponentKvOptions = v.InferInput<typeof componentKvOptions>;
export type ResolvedComponentKvOptions = v.InferOutput<typeof componentKvOptions>;
