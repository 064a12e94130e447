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

const order: readonly WasmLogLevel[] = ['trace', 'debug', 'info', 'warn', 'error'];

/**
 * A logger that prints to the console from `level` up (the default when none is given: `info`).
 *
 * @example
 * createWasmHost(keel, { logger: consoleLogger('debug') });
 */
export function consoleLogger(level: WasmLogLevel = 'info'): WasmHostLogger {
  const from = order.indexOf(level);
  const logger: WasmHostLogger = {};
  for (const [i, name] of order.entries()) {
    if (i < from) continue;
    const print =
      name === 'trace' || name === 'debug'
        ? console.debug
        : name === 'info'
          ? console.info
          : name === 'warn'
            ? console.warn
            : console.error;
    logger[name] = (fields, message) => print(`[wasm ${String(fields.component)}] ${message}`, fields);
  }
  return logger;
}
