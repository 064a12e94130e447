import { context, trace } from '@opentelemetry/api';

/** Fields of one log line. */
export type LogFields = Record<string, unknown>;

/**
 * The one logger every Keel package writes through: pino's shape, so a pino (or bunyan) logger
 * can be passed as it is. Fields first, then the message.
 *
 * @example
 * const keel = (await createKeel(config, { logger: pino() }))._unsafeUnwrap();
 * keel.logger.child({ job: 'invoices' }).info({ count: 3 }, 'sent');
 */
export interface KeelLogger {
  debug(fields: LogFields, message?: string): void;
  info(fields: LogFields, message?: string): void;
  warn(fields: LogFields, message?: string): void;
  error(fields: LogFields, message?: string): void;
  /** A logger that adds `bindings` to every line. */
  child(bindings: LogFields): KeelLogger;
}

/** The levels, lowest first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const noop = () => undefined;

/**
 * A logger that writes nothing: `createKeel`'s default, so that no package prints on its own.
 *
 * @example
 * createWasmHost(adapters, { logger: silentLogger });
 */
export const silentLogger: KeelLogger = Object.freeze({
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  child: () => silentLogger,
});

/** pino's numbers, so that pino-pretty and log shippers read these lines as pino's. */
const levelNumbers: Readonly<Record<LogLevel, number>> = { debug: 20, info: 30, warn: 40, error: 50 };

export interface JsonLoggerOptions {
  /** The lowest level written. @default 'info' */
  readonly level?: LogLevel;
  /** Where lines go. @default process.stderr */
  readonly destination?: { write(line: string): unknown };
  /** Fields on every line. @default {} */
  readonly bindings?: LogFields;
}

/**
 * A tiny JSON-lines logger (pino's line format: `level` number, `time`, `msg`), for apps that
 * ask for one (`observability.log: 'stderr'`) and have no logger of their own.
 *
 * @example
 * const logger = createJsonLogger({ level: 'debug' });
 * logger.info({ user: 7 }, 'signed in'); // {"level":30,"time":…,"user":7,"msg":"signed in"}
 */
export function createJsonLogger(options: JsonLoggerOptions = {}): KeelLogger {
  const level = options.level ?? 'info';
  if (!(level in levelNumbers)) throw new TypeError(`createJsonLogger: level must be one of debug, info, warn, error`);
  const destination = options.destination ?? process.stderr;
  const bindings = options.bindings ?? {};
  const from = levelNumbers[level];
  const line = (name: LogLevel) => {
    const number = levelNumbers[name];
    if (number < from) return noop;
    return (fields: LogFields, message?: string) => {
      const record = { level: number, time: Date.now(), ...bindings, ...fields, msg: message ?? '' };
      destination.write(`${stringify(record)}\n`);
    };
  };
  return Object.freeze({
    debug: line('debug'),
    info: line('info'),
    warn: line('warn'),
    error: line('error'),
    child: (more: LogFields) => createJsonLogger({ level, destination, bindings: { ...bindings, ...more } }),
  });
}

/**
 * The logger with the active span's `trace_id` and `span_id` on each line (the names pino's
 * OpenTelemetry instrumentation uses), when a span is active; lines outside a span are as they were.
 *
 * @example
 * const logger = withTraceIds(pino());
 */
export function withTraceIds(logger: KeelLogger): KeelLogger {
  const wrap = (name: LogLevel) => (fields: LogFields, message?: string) => {
    const span = trace.getSpan(context.active());
    if (span === undefined) return logger[name](fields, message);
    const { traceId, spanId } = span.spanContext();
    return logger[name]({ trace_id: traceId, span_id: spanId, ...fields }, message);
  };
  return Object.freeze({
    debug: wrap('debug'),
    info: wrap('info'),
    warn: wrap('warn'),
    error: wrap('error'),
    child: (bindings: LogFields) => withTraceIds(logger.child(bindings)),
  });
}

/** Checks that a value has the logger's shape; a logger is a programming choice, so a wrong one throws. */
export function checkLogger(value: unknown, where: string): KeelLogger {
  const missing = ['debug', 'info', 'warn', 'error', 'child'].filter(
    (m) => typeof (value as Record<string, unknown> | null)?.[m] !== 'function',
  );
  if (missing.length > 0)
    throw new TypeError(
      `${where}: logger must have debug, info, warn, error and child (missing: ${missing.join(', ')})`,
    );
  return value as KeelLogger;
}

/** JSON that never throws: bigints as strings, errors as their name, code and message, cycles cut. */
function stringify(record: LogFields): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(record, (_key, value: unknown) => {
    if (typeof value === 'bigint') return value.toString();
    if (value instanceof Error) {
      const { name, message } = value;
      const code = (value as { code?: unknown }).code;
      return code === undefined ? { type: name, message } : { type: name, code, message };
    }
    if (typeof value === 'object' && value !== null) {
      if (seen.has(value)) return '[circular]';
      seen.add(value);
    }
    return value;
  });
}
