import type { KeyObject } from 'node:crypto';
import { readOptions } from '@keel/core/adapter';
import type { PretranspiledArtifacts } from './loader/embedded-artifacts.js';
import type { ExecutionLogSink } from './log/execution-log.js';
import type { WasmHostLogger } from './log/logger.js';
import type { SqlAccess } from './imports/sql-statement-guard.js';

/**
 * `isolated` (the default): the component runs in its own worker thread, which is terminated
 * when a call times out; its imports are bridged to the adapters on the host thread.
 * `in-thread`: it runs on the calling thread, fastest, for trusted components; it needs
 * adapters that answer synchronously and cannot be stopped in the middle of pure computation.
 */
export type WasmMode = 'isolated' | 'in-thread';

/**
 * What a component may use. Everything is denied unless granted here; a denied call reaches the
 * guest as its interface's `access-denied` error (WASI: the matching error code) and is logged.
 */
export interface WasmGrants {
  /**
   * kv: `true` for the whole store, or a namespace the component sees as the whole store.
   * `instance` picks a named kv instance of the Keel app.
   * @default false
   */
  readonly kv?: boolean | { readonly prefix?: string; readonly readOnly?: boolean; readonly instance?: string };
  /**
   * sql: `true` or `'read-only'` for single SELECT, WITH or VALUES statements; `'read-write'` for
   * everything but statements that reach outside the database (ATTACH, PRAGMA, …). Raw SQL runs
   * in a sql sandbox (isolated mode, an adapter with the `sandbox` capability). `statements`
   * (recommended for untrusted components) allows only the host's statements, by name.
   * @default false
   */
  readonly sql?:
    | boolean
    | SqlAccess
    | {
        readonly access?: SqlAccess;
        readonly instance?: string;
        readonly statements?: Readonly<Record<string, string>>;
      };
  /** The `log` interface into the host's logger. @default true */
  readonly log?: boolean;
  /** Hosts outgoing HTTP may reach: `api.example.com`, `api.example.com:8443`, `*.example.com`, `http://localhost:8080`. @default [] */
  readonly http?: readonly string[];
  /** Environment variables the guest sees (none of the host's). @default {} */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Sending mail (isolated mode: delivery is asynchronous). `true` allows any sender; `{ from }`
   * only the listed sender addresses; `instance` picks a named email instance of the Keel app.
   * @default false
   */
  readonly email?: boolean | { readonly from?: readonly string[]; readonly instance?: string };
  /**
   * Checking callers (isolated mode): `verify-session`, `verify-access-token`, `get-user` and
   * `authorize`. The rest of `auth` (accounts, logins, passwords, roles) stays with the app and
   * is `access-denied` to components. @default false
   */
  readonly auth?: boolean;
}

/** What a component may consume. */
export interface WasmLimits {
  /** Wall-clock time per call, in ms. @default 1000 */
  readonly timeoutMs?: number;
  /** Linear memory, in bytes (rounded down to 64 KiB pages). @default 67108864 (64 MiB) */
  readonly maxMemoryBytes?: number;
  /** Host calls (keel interfaces, log and WASI) per call. @default 10000 */
  readonly maxHostCalls?: number;
  /** stdout plus stderr kept per call, in bytes; the rest is dropped and the record says so. @default 65536 */
  readonly maxOutputBytes?: number;
  /** Isolated mode: the worker's JavaScript heap, in bytes. @default 134217728 (128 MiB) */
  readonly maxHeapBytes?: number;
}

export interface ResolvedLimits {
  readonly timeoutMs: number;
  readonly maxMemoryPages: number;
  readonly maxHostCalls: number;
  readonly maxOutputBytes: number;
  readonly maxHeapMb: number;
  readonly maxTableElements: number;
}

export const defaultLimits = Object.freeze({
  timeoutMs: 1000,
  maxMemoryBytes: 64 * 1024 * 1024,
  maxHostCalls: 10_000,
  maxOutputBytes: 64 * 1024,
  maxHeapBytes: 128 * 1024 * 1024,
});

/** Options of `host.load`. */
export interface LoadOptions {
  /** The component's name in logs and execution records. @default the file name, or the hash's first 12 characters */
  readonly id?: string;
  /** The sha256 the bytes must have: hex, or `sha256-<base64>`. */
  readonly sha256?: string;
  /** An ed25519 signature over the bytes (raw, hex or base64); needs `publicKey`. */
  readonly signature?: Uint8Array | string;
  /** The ed25519 key the signature must verify with: a `KeyObject`, PEM, or the raw 32 bytes. */
  readonly publicKey?: KeyObject | string | Uint8Array;
  /** @default nothing granted (log only) */
  readonly grants?: WasmGrants;
  /** Merged over the host's `limits`. */
  readonly limits?: WasmLimits;
  /** @default the host's `mode` */
  readonly mode?: WasmMode;
}

/** Options of `createWasmHost`. */
export interface WasmHostOptions {
  /**
   * Where transpiled components are cached across processes; `false` for memory only. Write
   * access to it is code execution in the host: keep it private to the app's user.
   * @default '.keel-data/wasm-cache' under the working directory
   */
  readonly cacheDir?: string | false;
  /** Transpiled components kept in memory. @default 32 */
  readonly cacheSize?: number;
  /**
   * Components transpiled ahead of time by `embeddableArtifacts`, by key (a `Map` will do). When
   * set, the host never transpiles and ignores `cacheDir`: a component without its artifact
   * fails to load with `UNAVAILABLE`. For packagers that carry no jco.
   * @default inside a single executable (`keel sea`), the executable's assets; elsewhere none
   */
  readonly artifacts?: PretranspiledArtifacts;
  /** Guest log records, denied calls and host warnings. @default consoleLogger('info') */
  readonly logger?: WasmHostLogger;
  /** Where each call's execution record goes. @default a memory ring of the last 1000 */
  readonly executionLog?: ExecutionLogSink;
  /** @default 'isolated' */
  readonly mode?: WasmMode;
  /** Defaults for every load. */
  readonly limits?: WasmLimits;
}

const limitRanges: Readonly<Record<keyof WasmLimits, readonly [number, number]>> = {
  timeoutMs: [1, 2 ** 31 - 1],
  maxMemoryBytes: [65536, 4 * 1024 ** 3],
  maxHostCalls: [0, Number.MAX_SAFE_INTEGER],
  maxOutputBytes: [0, 2 ** 30],
  maxHeapBytes: [16 * 1024 * 1024, 2 ** 40],
};

/** The host's limits with a load's over them, checked (a bad value throws a `TypeError` naming it). */
export function resolveLimits(
  where: string,
  base: WasmLimits | undefined,
  over: WasmLimits | undefined,
): ResolvedLimits {
  const merged: Record<string, number> = { ...defaultLimits };
  for (const limits of [base, over]) {
    const o = readOptions(where, limits, 'limits.');
    for (const [key, [min, max]] of Object.entries(limitRanges)) {
      if ((limits as Record<string, unknown> | undefined)?.[key] !== undefined)
        merged[key] = o.integer(key, 0, { min, max });
    }
    o.done();
  }
  return {
    timeoutMs: merged.timeoutMs as number,
    maxMemoryPages: Math.floor((merged.maxMemoryBytes as number) / 65536),
    maxHostCalls: merged.maxHostCalls as number,
    maxOutputBytes: merged.maxOutputBytes as number,
    maxHeapMb: Math.floor((merged.maxHeapBytes as number) / (1024 * 1024)),
    maxTableElements: 100_000,
  };
}
