import { resolve } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { type KvCapabilities } from '@keel/core';
import { KeelOptionsError, readOptions, type KvLimits } from '@keel/core/adapter';
import type { ExecutionLogSink } from '../log/execution-log.js';
import type { WasmHostLogger } from '../log/logger.js';
import type { WasmLimits, WasmMode } from '../wasm-host-options.js';

/** Options of `createComponentKv`: a component that exports `keel:infrastructure/kv`, pinned by hash. */
export interface ComponentKvOptions {
  /** The component file, relative to the working directory. Give `path` or `bytes`. */
  readonly path?: string;
  /** The component's bytes. */
  readonly bytes?: Uint8Array;
  /** The sha256 its bytes must have (hex or `sha256-<base64>`): an adapter is always pinned. */
  readonly sha256: string;
  /** An ed25519 signature over the bytes, checked with `publicKey`. */
  readonly signature?: Uint8Array | string;
  readonly publicKey?: KeyObject | string | Uint8Array;
  /** Its name in logs and execution records. @default 'kv-component' */
  readonly id?: string;
  /** @default 'isolated' */
  readonly mode?: WasmMode;
  /** @default { timeoutMs: 5000, maxMemoryBytes: 268435456 } */
  readonly limits?: WasmLimits;
  /** What the component can do; core refuses the rest before calling it. @default { ttl: true, atomicBatch: false, persistent: false }; never `synchronous` */
  readonly capabilities?: Partial<Omit<KvCapabilities, 'synchronous'>>;
  /** Size limits core enforces before each call. @default core's kv defaults */
  readonly kvLimits?: Partial<KvLimits>;
  /** Where the transpiled component is cached. @default '.keel-data/wasm-cache' */
  readonly cacheDir?: string | false;
  /** @default consoleLogger('info') */
  readonly logger?: WasmHostLogger;
  /** @default a memory ring of the last 1000 calls */
  readonly executionLog?: ExecutionLogSink;
}

export interface ResolvedComponentKvOptions {
  readonly source: string | Uint8Array;
  readonly sha256: string;
  readonly signature: Uint8Array | string | undefined;
  readonly publicKey: KeyObject | string | Uint8Array | undefined;
  readonly id: string;
  readonly mode: WasmMode;
  readonly limits: WasmLimits;
  readonly capabilities: KvCapabilities;
  readonly kvLimits: Partial<KvLimits>;
  readonly cacheDir: string | false | undefined;
  readonly logger: WasmHostLogger | undefined;
  readonly executionLog: ExecutionLogSink | undefined;
}

const factory = 'createComponentKv';

export function resolveComponentKvOptions(options: ComponentKvOptions): ResolvedComponentKvOptions {
  const o = readOptions(factory, options);
  const path = o.optionalString('path');
  const bytes = o.raw('bytes');
  if ((path === undefined) === (bytes === undefined))
    throw new KeelOptionsError('path', 'give exactly one of path and bytes', factory);
  if (bytes !== undefined && !(bytes instanceof Uint8Array))
    throw new KeelOptionsError('bytes', 'expected a Uint8Array', factory);
  const sha256 = o.string('sha256');
  const signature = o.raw('signature') as Uint8Array | string | undefined;
  const publicKey = o.raw('publicKey') as KeyObject | string | Uint8Array | undefined;
  const id = o.string('id', 'kv-component');
  const mode = o.oneOf('mode', ['isolated', 'in-thread'] as const, 'isolated');
  const limits = { timeoutMs: 5000, maxMemoryBytes: 256 * 1024 * 1024, ...(o.raw('limits') as WasmLimits | undefined) };
  const c = o.nested('capabilities');
  const capabilities = {
    ttl: c.boolean('ttl', true),
    atomicBatch: c.boolean('atomicBatch', false),
    persistent: c.boolean('persistent', false),
    synchronous: false,
  };
  c.done();
  const kvLimits = (o.raw('kvLimits') as Partial<KvLimits> | undefined) ?? {};
  const cacheDir = o.raw('cacheDir') as string | false | undefined;
  const logger = o.raw('logger') as WasmHostLogger | undefined;
  const executionLog = o.raw('executionLog') as ExecutionLogSink | undefined;
  o.done();
  return {
    source: path === undefined ? (bytes as Uint8Array) : resolve(path),
    sha256,
    signature,
    publicKey,
    id,
    mode,
    limits,
    capabilities,
    kvLimits,
    cacheDir,
    logger,
    executionLog,
  };
}
