import type { WasmHostErrorCode } from '../wasm-host-errors.js';
import type { WasmMode } from '../wasm-host-options.js';

/** What one export call did. */
export interface ExecutionRecord {
  /** The component's id (see `LoadOptions.id`). */
  readonly component: string;
  /** sha256 of its bytes. */
  readonly hash: string;
  /** The export called, as the caller named it. */
  readonly export: string;
  readonly mode: WasmMode;
  /** When the call started, in ms since the epoch. */
  readonly startedAt: number;
  readonly durationMs: number;
  /** Host calls by interface: `kv`, `sql`, `log`, `wasi:clocks/monotonic-clock`, … */
  readonly hostCalls: Readonly<Record<string, number>>;
  /** Calls refused by the grants (each also logged). */
  readonly deniedCalls: number;
  readonly outcome: 'ok' | 'error';
  readonly error?: { readonly code: WasmHostErrorCode; readonly message: string };
  /** 64 KiB pages of linear memory at the end of the call; `undefined` when the instance was lost (timeout). */
  readonly memoryPages: number | undefined;
  /** Fuel the call used (see `limits.maxFuel`); `undefined` without fuel, or when the instance was lost. */
  readonly fuelUsed: number | undefined;
  /** What the guest wrote to stdout and stderr, up to `limits.maxOutputBytes` together. */
  readonly stdout: string;
  readonly stderr: string;
  readonly outputTruncated: boolean;
  /** The workflow run and step the call was made for (`callWith`), when it was made for one. */
  readonly workflow?: { readonly run: string; readonly step: string } | undefined;
}

/**
 * Where execution records go. `write` may be async; a failing sink is reported to the logger
 * and never fails the call.
 */
export interface ExecutionLogSink {
  write(record: ExecutionRecord): void | Promise<void>;
}

/** A bounded ring of the latest records. */
export interface MemoryExecutionLog extends ExecutionLogSink {
  /** The records kept, oldest first. */
  records(): ExecutionRecord[];
  clear(): void;
}

/**
 * The default sink: keeps the last `capacity` records in memory.
 *
 * @example
 * const log = createMemoryExecutionLog({ capacity: 100 });
 * const host = createWasmHost(keel, { executionLog: log });
 * // … calls …
 * console.table(log.records());
 */
export function createMemoryExecutionLog(options: { readonly capacity?: number } = {}): MemoryExecutionLog {
  const capacity = options.capacity ?? 1000;
  if (!Number.isInteger(capacity) || capacity < 1)
    throw new TypeError(`createMemoryExecutionLog: capacity must be a positive integer, got ${capacity}`);
  let ring: (ExecutionRecord | undefined)[] = new Array(capacity);
  let next = 0;
  let size = 0;
  return {
    write(record) {
      ring[next] = record;
      next = (next + 1) % capacity;
      if (size < capacity) size++;
    },
    records() {
      const out: ExecutionRecord[] = [];
      for (let i = 0; i < size; i++) out.push(ring[(next - size + i + capacity) % capacity] as ExecutionRecord);
      return out;
    },
    clear() {
      ring = new Array(capacity);
      next = 0;
      size = 0;
    },
  };
}
