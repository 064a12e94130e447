import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import { observeInstance } from '../lifecycle/adapter-lifecycle.js';
import { CallObserver } from '../observability/call-observer.js';
import {
  checkLogger,
  createJsonLogger,
  silentLogger,
  withTraceIds,
  type KeelLogger,
} from '../observability/keel-logger.js';
import { keelObservability, type KeelObservability } from '../observability/keel-observability.js';
import {
  observabilityOptions,
  type ObservabilityConfig,
  type ResolvedObservability,
} from '../observability/observability-options.js';
import { parseOptions } from '../options/parse-options.js';
import { routeDiagnostics } from '../observability/otel-diagnostics.js';
import { TelemetryHub } from '../observability/telemetry-hub.js';
import { createToken, type KeelToken } from './tokens.js';

/**
 * Tokens of what every app has besides its instances, for services to declare in `needs`.
 *
 * @example
 * defineService({ token: jobsToken, needs: [keelTokens.logger], create: (resolve) => startJobs(resolve(keelTokens.logger)) });
 */
export const keelTokens: {
  readonly logger: KeelToken<KeelLogger>;
  readonly observability: KeelToken<KeelObservability>;
} = Object.freeze({
  logger: createToken<KeelLogger>('keel:logger'),
  observability: createToken<KeelObservability>('keel:observability'),
});

/** What `createKeel` needs of its options to start observing. */
export interface TelemetryOptions {
  readonly logger?: KeelLogger;
  readonly tracerProvider?: TracerProvider;
  readonly meterProvider?: MeterProvider;
}

/** An app's logger and observability, and how instances join them. */
export interface Telemetry {
  readonly logger: KeelLogger;
  readonly hub: TelemetryHub;
  readonly observability: KeelObservability;
  /** Observes a built instance (a no-op when observability is off, or for an instance not made by core's guard). */
  observe(value: object, target: { interface: string; name: string; adapter: string }): void;
  stop(): void;
}

/**
 * Observability without an app, for a package used on its own (`createWasmHost({ sql })`): the
 * same spans, metrics and slow calls as `keel.observability`. It has no close, so OpenTelemetry's
 * diagnostics are not routed; bad options throw a `KeelOptionsError`.
 *
 * @example
 * const host = createWasmHost({ sql }, { observability: createObservability({ slowMs: { wasm: 50 } }) });
 */
export function createObservability(
  config: ObservabilityConfig = {},
  options: TelemetryOptions = {},
): KeelObservability {
  const resolved = parseOptions(observabilityOptions, config, 'createObservability');
  return startTelemetry({ ...resolved, diagnostics: false }, options).observability;
}

/** The logger (the app's, with trace ids; or the config's choice) and the hub of one app. */
export function startTelemetry(config: ResolvedObservability, options: TelemetryOptions): Telemetry {
  const logger =
    options.logger !== undefined
      ? withTraceIds(checkLogger(options.logger, 'createKeel'))
      : config.log === 'stderr'
        ? withTraceIds(createJsonLogger({ level: config.logLevel }))
        : silentLogger;
  const hub = new TelemetryHub({
    config,
    logger,
    ...(options.tracerProvider === undefined ? {} : { tracerProvider: options.tracerProvider }),
    ...(options.meterProvider === undefined ? {} : { meterProvider: options.meterProvider }),
  });
  const undoDiagnostics =
    config.enabled && config.diagnostics ? routeDiagnostics(logger, () => hub.telemetryError()) : () => undefined;
  return {
    logger,
    hub,
    observability: keelObservability(hub, config.enabled),
    observe(value, target) {
      if (!config.enabled) return;
      const attach = (value as { [observeInstance]?: (o: CallObserver) => void })[observeInstance];
      attach?.(new CallObserver(hub, { interface: target.interface, instance: target.name, adapter: target.adapter }));
    },
    stop() {
      undoDiagnostics();
      hub.close();
    },
  };
}
