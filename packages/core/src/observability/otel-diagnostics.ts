import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import type { KeelLogger } from './keel-logger.js';

interface Route {
  readonly logger: KeelLogger;
  readonly onError: () => void;
}

// `diag` is one per process; the latest app to start gets it, and an app that closes hands it
// back to the one before it.
const routes: Route[] = [];

/**
 * Sends OpenTelemetry's own diagnostics (`diag`: a failed export, an unreachable collector, a
 * rejected configuration) to `logger`: errors at `error`, each counted by `onError`, warnings at
 * `warn`. The SDK reports an export failure there and goes on, so a broken collector shows as
 * logged, counted failures while calls run at their usual speed. Returns the undo.
 *
 * @example
 * const stop = routeDiagnostics(keel.logger, () => failures++);
 */
export function routeDiagnostics(logger: KeelLogger, onError: () => void): () => void {
  const route: Route = { logger, onError };
  routes.push(route);
  install(route);
  return () => {
    const at = routes.indexOf(route);
    if (at < 0) return;
    routes.splice(at, 1);
    const previous = routes.at(-1);
    if (previous) install(previous);
    else diag.disable();
  };
}

function install({ logger, onError }: Route): void {
  const fields = (args: unknown[]) =>
    args.length === 0 ? { source: 'opentelemetry' } : { source: 'opentelemetry', detail: args.map(describe) };
  const target: DiagLogger = {
    error(message, ...args) {
      onError();
      logger.error(fields(args), message);
    },
    warn: (message, ...args) => logger.warn(fields(args), message),
    info: () => undefined,
    debug: () => undefined,
    verbose: () => undefined,
  };
  diag.setLogger(target, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
}

function describe(value: unknown): unknown {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (typeof value !== 'object' || value === null) return value;
  try {
    return JSON.stringify(value).slice(0, 1000);
  } catch {
    return String(value);
  }
}
