import { KeelError, type KeelErrorInit } from '@keel/core';

/**
 * Why a load or a call failed. Codes are stable; messages are for people and may change.
 *
 * Loading (`host.load`), each refused before any guest code runs:
 * - `READ_FAILED`: the path could not be read.
 * - `HASH_MISMATCH`: the bytes' sha256 is not the pinned one.
 * - `BAD_SIGNATURE`: the ed25519 signature does not verify, or a key and signature do not come as a pair.
 * - `MALFORMED`: not a WebAssembly component, or one jco cannot translate.
 * - `TRANSPILER_MISSING`: the component must be transpiled (it is neither cached nor
 *   pre-transpiled) and `@bytecodealliance/jco-transpile`, an optional peer dependency, is not
 *   installed, or not at the version this package pins. Also from `embeddableArtifacts`.
 * - `NOT_APP_WORLD`: the component imports something outside the app world (keel interfaces,
 *   `log`, WASI 0.2), uses a keel interface with other types than the host's, or lacks an
 *   export its role requires.
 * - `UNAVAILABLE`: a granted interface has no adapter on this host, or (in-thread mode) no
 *   synchronous one; or the host takes pre-transpiled artifacts (`artifacts`, or inside a
 *   single executable) and has none for this component, or a damaged one; or, inside a single
 *   executable, the component imports wasi:http.
 * - `INSTANTIATE_FAILED`: the component's own start-up code trapped.
 *
 * Calling (`component.call`):
 * - `GUEST_ERROR`: the export returned the `err` case of its `result`; the value is in `payload`.
 * - `TRAP`: the guest trapped (unreachable, out-of-bounds access, division by zero, `exit`).
 * - `TIMEOUT`: the call ran past `limits.timeoutMs`.
 * - `FUEL_EXHAUSTED`: the call used up `limits.maxFuel` (in either mode; deterministic, unlike `TIMEOUT`).
 * - `MEMORY_LIMIT`: the guest trapped after the cap (on all its memories together) refused it a
 *   `memory.grow`, whatever the size of the step; or its worker ran out of heap. At load: its
 *   memories start above the cap.
 * - `HOST_CALL_LIMIT`: the call made more than `limits.maxHostCalls` host calls.
 * - `INVALID_ARGUMENT`: the arguments do not fit the export's WIT types.
 * - `UNAVAILABLE`: the component cannot serve (its worker failed to start, or it is a stateful
 *   adapter that lost its state).
 * - `CLOSED`: the component or its host was closed.
 * - `INTERNAL`: the host failed in an unexpected way.
 *
 * After `TRAP`, `TIMEOUT`, `FUEL_EXHAUSTED`, `MEMORY_LIMIT`, `HOST_CALL_LIMIT` and `INVALID_ARGUMENT`, the next call
 * runs on a fresh instance: nothing the guest kept in memory survives.
 */
export type WasmHostErrorCode =
  | 'READ_FAILED'
  | 'HASH_MISMATCH'
  | 'BAD_SIGNATURE'
  | 'MALFORMED'
  | 'TRANSPILER_MISSING'
  | 'NOT_APP_WORLD'
  | 'INSTANTIATE_FAILED'
  | 'GUEST_ERROR'
  | 'TRAP'
  | 'TIMEOUT'
  | 'FUEL_EXHAUSTED'
  | 'MEMORY_LIMIT'
  | 'HOST_CALL_LIMIT'
  | 'INVALID_ARGUMENT'
  | 'UNAVAILABLE'
  | 'CLOSED'
  | 'INTERNAL';

export interface WasmHostErrorInit extends KeelErrorInit<WasmHostErrorCode> {
  /** The component's id, when the error concerns one. */
  readonly component?: string;
  /** For `GUEST_ERROR`: the `err` value the export returned, in jco's representation. */
  readonly payload?: unknown;
}

/**
 * The error of every wasm-host operation (`op` is `load` or the export called).
 *
 * @example
 * const r = await component.call('checked-div', 1, 0);
 * if (r.isErr() && r.error.code === 'GUEST_ERROR') console.log(r.error.payload); // 'division by zero'
 */
export class WasmHostError extends KeelError<WasmHostErrorCode> {
  override readonly name = 'WasmHostError';
  readonly component?: string;
  readonly payload?: unknown;

  constructor(init: WasmHostErrorInit) {
    super({ adapter: 'wasm-host', ...init });
    if (init.component !== undefined) this.component = init.component;
    if ('payload' in init) this.payload = init.payload;
  }
}
