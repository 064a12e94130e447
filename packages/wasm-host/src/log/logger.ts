import { createJsonLogger } from '@keel/core';

/** WIT `log.level`. */
export type WasmLogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/**
 * Where guest log records, denied calls and host warnings go. The methods take
 * `(fields, message)`, the way pino and bunyan do, so such a logger can be passed as it is.
 * Every record carries `component` (its id) and `hash`.
 *
 * @example
 * const host = createWasmHost(keel, { logger: pino() });
 */
export interface WasmHostLogger {
  trace?(fields: Record<string, unknown>, message: string): void;
  debug?(fields: Record<string, unknown>, message: string): void;
  info?(fields: Record<string, unknown>, message: string): void;
  warn?(fields: Record<string, unknown>, message: string): void;
  error?(fields: Record<string, unknown>, message: string): void;
}

/**
 * A logger writing JSON lines to stderr from `level` up (core's `createJsonLogger`; `trace`
 * records are written at `debug`). Keel prints nothing unless asked: this is the asking.
 *
 * @example
 * createWasmHost(keel, { logger: consoleLogger('debug') });
 */
export function consoleLogger(level: WasmLogLevel = 'info'): WasmHostLogger {
  const json = createJsonLogger({ level: level === 'trace' ? 'debug' : level });
  return Object.freeze({ trace: json.debug, debug: json.debug, info: json.info, warn: json.warn, error: json.error });
}
