import type { KeelObservability } from '@keel/core';
import {
  circuitBreakerFields,
  clockOption,
  integer,
  maxTimerMs,
  number,
  option,
  orFalse,
  required,
  retryFields,
  string,
  text,
  withMethods,
} from '@keel/core/adapter';
import * as v from 'valibot';
import { allowEntryProblem } from './allow-list.js';

const allow = required(
  v.pipe(
    v.array(text(), 'expected an array of hosts'),
    v.minLength(1, 'expected at least one allowed host'),
    v.rawCheck(({ dataset, addIssue }) => {
      if (!dataset.typed) return;
      for (const entry of dataset.value) {
        const problem = allowEntryProblem(entry);
        if (problem !== undefined) addIssue({ message: problem, input: entry });
      }
    }),
    v.metadata({ type: 'string[]' }),
  ),
  'Where requests may go: `host`, `host:port`, `*.domain`, optionally with `http://` or `https://` in front ' +
    "(without, https only; without a port, the scheme's default). Anything else is `Err(NOT_ALLOWED)`, " +
    'redirects included, and never leaves the process.',
);

const perHost = v.strictObject({
  maxConcurrent: option(integer(1, 100_000), {
    default: 16,
    description: 'Requests to one origin in flight at once; more wait their turn.',
  }),
  ratePerSecond: option(number(0.001, 1_000_000), {
    defaultText: 'no rate limit',
    description: 'Requests per second started to one origin, evenly spaced after a burst of `burst`.',
  }),
  burst: option(integer(1, 1_000_000), {
    default: 1,
    description: 'Requests that may start at once under `ratePerSecond`.',
  }),
  maxWaitMs: option(integer(0, maxTimerMs), {
    default: 30_000,
    description: 'How long a try may wait for its turn (a slot or a rate token) before `Err(LIMITED)`, in ms.',
  }),
});

const schema = v.strictObject({
  allow,
  timeoutMs: option(integer(1, maxTimerMs), {
    default: 10_000,
    description: 'Time allowed for one try, headers and body, redirects included, in ms.',
  }),
  maxResponseBytes: option(integer(0, 2 ** 31 - 1), {
    default: 10 * 1024 * 1024,
    description: 'The largest response body read, in bytes; a larger one is `Err(TOO_LARGE)` (an error body too).',
  }),
  maxRedirects: option(integer(0, 100), {
    default: 5,
    description: 'Redirects followed per try, each target checked against `allow`; `0` follows none.',
  }),
  retry: option(orFalse(retryFields), {
    default: {},
    description:
      'Retries of a network failure, a timeout and 408, 429, 500, 502, 503, 504 — only for GET, HEAD, OPTIONS, ' +
      'PUT, DELETE or a request with an `idempotencyKey` (a refused connection, never sent, for any method) — ' +
      'with full-jitter backoff, never sooner than `Retry-After`; `false` tries once.',
  }),
  circuitBreaker: option(orFalse(circuitBreakerFields), {
    default: {},
    description:
      'Per origin: network failures, timeouts and 5xx answers in a row open it, and tries fail at once with ' +
      '`CIRCUIT_OPEN` until one trial passes; a 4xx proves the host answers. `false` never opens.',
  }),
  perHost: option(perHost, { default: {}, description: 'Limits per origin (scheme, host and port).' }),
  idempotencyHeader: option(string(), {
    default: 'Idempotency-Key',
    description: "The header a request's `idempotencyKey` is sent in.",
  }),
  observability: option(
    withMethods<KeelObservability>('keel.observability or createObservability()', ['counter', 'histogram', 'gauge']),
    {
      defaultText: "the keel's observability when one is given; else none",
      description:
        'Records `keel.http.requests` (tries by host, method, outcome, status), `keel.http.duration` (s), ' +
        '`keel.http.retries`, and the gauges `keel.http.circuit` (0 closed, 1 half-open, 2 open) and `keel.http.in_flight`.',
    },
  ),
  clock: clockOption('Where time comes from (circuit, retry budget, rate spacing, `Retry-After` dates).'),
});

type Schema = typeof schema;
/** The schema's type, named so that declarations name it. */
export interface HttpClientOptionsSchema extends Schema {}

/**
 * The options of `createHttpClient`, declared once: the type, the checks and the README table come from here.
 *
 * @example
 * const http = createHttpClient(keel, { allow: ['api.example.com'], timeoutMs: 5000 });
 */
export const httpClientOptions: HttpClientOptionsSchema = schema;
export type HttpClientOptions = v.InferInput<typeof schema>;
export type ResolvedHttpClientOptions = v.InferOutput<typeof schema>;
