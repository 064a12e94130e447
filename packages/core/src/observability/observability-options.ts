import * as v from 'valibot';
import { boolean, integer, maxTimerMs, oneOf, option } from '../options/option-schemas.js';

/**
 * Upper bounds in seconds of Prometheus's and OpenTelemetry's usual latency buckets, 0.5 ms to 10 s.
 *
 * @example
 * observability: { buckets: [...defaultBuckets, 30] }
 */
export const defaultBuckets: readonly number[] = Object.freeze([
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

const bucketsMessage = 'expected an increasing list of 1 to 50 positive numbers of seconds, such as [0.005, 0.05, 0.5]';
const bucketList = v.pipe(
  v.array(v.number(bucketsMessage), bucketsMessage),
  v.check(
    (list) =>
      list.length > 0 &&
      list.length <= 50 &&
      list.every((b, i) => Number.isFinite(b) && b > 0 && (i === 0 || b > (list[i - 1] as number))),
    bucketsMessage,
  ),
  v.metadata({ type: 'number[] (seconds)' }),
);

const threshold = (what: string) =>
  v.pipe(v.optional(integer(1, maxTimerMs)), v.description(`${what} calls taking this long (ms) or longer are slow.`));

/**
 * The `observability` section of Keel's config, declared once: its type, its checks, its
 * environment overrides (`KEEL_OBSERVABILITY_SQL_STATEMENT_TEXT=true`,
 * `KEEL_OBSERVABILITY_SLOW_MS_SQL=200`) and the README's table come from here.
 *
 * @example
 * defineConfig({ sql: { adapter: 'sqlite' }, observability: { prometheus: true, slowMs: { sql: 200 } } });
 */
export const observabilityOptions = v.strictObject({
  enabled: option(boolean(), {
    default: true,
    description:
      'Observe contract calls at all. Spans and metrics go to the OpenTelemetry API: without an SDK registered ' +
      '(and with `prometheus` and `slowMs` off) observing costs one check per call.',
  }),
  traces: option(boolean(), {
    default: true,
    description: 'A span for every contract call, transaction and component call.',
  }),
  sqlStatementText: option(boolean(), {
    default: false,
    description:
      'Put the SQL text on sql spans (`db.query.text`) and slow-call records. Parameters are never recorded.',
  }),
  metrics: option(boolean(), {
    default: true,
    description: 'Record duration histograms and error counters through the OpenTelemetry metrics API.',
  }),
  prometheus: option(boolean(), {
    default: false,
    description:
      "Aggregate in process for `keel.observability.metricsText()` and `metricsHandler` (Prometheus's text format).",
  }),
  // Not option(): its `const` default would type an array default as possibly undefined.
  buckets: v.pipe(
    v.optional(bucketList, () => [...defaultBuckets]),
    v.description('Upper bounds of the duration histograms (in process, and the advice to the SDK), in seconds.'),
    v.metadata({ defaultText: '0.0005 … 10 (14 buckets)' }),
  ),
  slowMs: option(
    v.strictObject({
      kv: threshold('kv'),
      sql: threshold('sql'),
      email: threshold('email'),
      messaging: threshold('messaging'),
      auth: threshold('auth'),
      blobstore: threshold('blobstore'),
      wasm: threshold('Component'),
    }),
    {
      default: {},
      description: 'Slow-call thresholds per interface, in ms; a slow call is logged (with its span) and counted.',
    },
  ),
  slowestKept: option(integer(1, 10_000), {
    default: 100,
    description: 'How many of the slowest calls `keel.observability.slowest(n)` keeps.',
  }),
  log: option(oneOf(['silent', 'stderr']), {
    default: 'silent',
    description: 'Where Keel logs when `createKeel` is given no logger: nowhere, or JSON lines on stderr.',
  }),
  logLevel: option(oneOf(['debug', 'info', 'warn', 'error']), {
    default: 'info',
    description: "The lowest level the `'stderr'` logger writes.",
  }),
  diagnostics: option(boolean(), {
    default: true,
    description:
      "Route OpenTelemetry's own diagnostics (a failed export, an unreachable collector) into the logger, counted as `keel_telemetry_errors_total`.",
  }),
});

/** The `observability` section of Keel's config. */
export type ObservabilityConfig = v.InferInput<typeof observabilityOptions>;
/** The section with every default filled in. */
export type ResolvedObservability = v.InferOutput<typeof observabilityOptions>;
/** The interfaces a slow-call threshold can be set for. */
export type SlowInterface = keyof ResolvedObservability['slowMs'];
