import { err, ok, type KeelObservability, type Result, ResultAsync } from '@keel/core';
import {
  Circuit,
  type CircuitState,
  defaultSleep,
  parseOptions,
  retryLoop,
  type RetryVerdict,
} from '@keel/core/adapter';
import { allowList } from './allow-list.js';
import { HttpClientError } from './http-client-errors.js';
import { type HttpClientOptions, httpClientOptions, type ResolvedHttpClientOptions } from './http-client-options.js';
import { httpMetrics } from './http-metrics.js';
import type { HttpResponse } from './http-response.js';
import { HostGate } from './host-gate.js';
import { causeCode, type PreparedRequest, sendOnce } from './send-once.js';

/** A request's method, headers, body and per-request settings. */
export interface HttpRequestInit {
  /** @default 'GET' */
  readonly method?: string;
  readonly headers?: Headers | Readonly<Record<string, string>> | readonly (readonly [string, string])[];
  readonly body?: string | Uint8Array | URLSearchParams | FormData | Blob;
  /** Sent as the `idempotencyHeader`; makes a POST or PATCH safe to retry. */
  readonly idempotencyKey?: string;
  /** This request's time per try. @default the client's `timeoutMs` */
  readonly timeoutMs?: number;
  /** Cancels the request (waits included): `Err(ABORTED)`. */
  readonly signal?: AbortSignal;
}

/** The client `createHttpClient` returns. */
export interface HttpClient {
  /** Sends a request: `Ok` with a 2xx response read in full, else `Err(HttpClientError)`. */
  request(url: string | URL, init?: HttpRequestInit): ResultAsync<HttpResponse, HttpClientError>;
  get(url: string | URL, init?: Omit<HttpRequestInit, 'method' | 'body'>): ResultAsync<HttpResponse, HttpClientError>;
  post(
    url: string | URL,
    body: HttpRequestInit['body'],
    init?: Omit<HttpRequestInit, 'method' | 'body'>,
  ): ResultAsync<HttpResponse, HttpClientError>;
  /** The circuit of a URL's origin (`undefined` before its first request or with `circuitBreaker: false`). */
  circuitState(url: string | URL): CircuitState | undefined;
  /** Stops the client's gauges; requests in flight finish. */
  close(): void;
  [Symbol.dispose](): void;
}

/** What the client takes from a keel: its observability. */
export interface HttpClientKeel {
  readonly observability?: KeelObservability;
}

interface HostState {
  readonly host: string;
  readonly gate: HostGate;
  readonly circuit: Circuit | undefined;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
const RETRY_STATUSES = new Set([408, 429, 500, 502, 503, 504]);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);

/**
 * An outbound HTTP client on the global `fetch`: requests go only to the origins in `allow`
 * (redirects re-checked at each hop), each origin has a slot limit, an optional rate and a
 * circuit breaker, and failed tries are retried with full-jitter backoff that honours
 * `Retry-After` — for idempotent methods or with an `idempotencyKey` only. Every expected
 * failure is an `Err` with a stable code; bad options throw a `KeelOptionsError`.
 *
 * @example
 * const http = createHttpClient(keel, { allow: ['api.example.com'] });
 * const order = await http.get('https://api.example.com/orders/7');
 * if (order.isOk()) console.log(order.value.json());
 */
export function createHttpClient(options: HttpClientOptions): HttpClient;
export function createHttpClient(keel: HttpClientKeel | undefined, options: HttpClientOptions): HttpClient;
export function createHttpClient(
  first: HttpClientKeel | HttpClientOptions | undefined,
  second?: HttpClientOptions,
): HttpClient {
  const [keel, given] =
    second === undefined ? [undefined, first as HttpClientOptions] : [first as HttpClientKeel, second];
  const o = parseOptions(httpClientOptions, given, 'createHttpClient');
  const allows = allowList(o.allow);
  const retry = o.retry === false ? undefined : o.retry;
  const deps = { clock: o.clock, sleep: retry?.sleep ?? defaultSleep, random: retry?.random ?? Math.random };
  const hosts = new Map<string, HostState>();
  const metrics = httpMetrics(o.observability ?? keel?.observability, {
    hosts: () =>
      [...hosts.values()].map((h) => ({ host: h.host, circuit: h.circuit?.state, inFlight: h.gate.inFlight })),
  });

  const hostOf = (url: URL): HostState => {
    let state = hosts.get(url.origin);
    if (state === undefined) {
      const gate = new HostGate({ ratePerSecond: undefined, ...o.perHost }, o.clock, deps.sleep);
      const circuit = o.circuitBreaker === false ? undefined : new Circuit(o.circuitBreaker, o.clock);
      state = { host: url.host, gate, circuit };
      hosts.set(url.origin, state);
    }
    return state;
  };

  const run = async (target: string | URL, init: HttpRequestInit): Promise<Result<HttpResponse, HttpClientError>> => {
    const prepared = prepare(target, init, o, allows);
    if (prepared.isErr()) return err(prepared.error);
    const request = prepared.value;
    const host = hostOf(request.url);
    const safe = IDEMPOTENT.has(request.method) || init.idempotencyKey !== undefined;
    const once = async (n = 1) => {
      const result = await tryOnce(request, host, o, allows, metrics);
      if (result.isOk()) result.value.attempts = n;
      return result;
    };
    if (retry === undefined) return once();
    const outcome = await retryLoop(
      once,
      retry,
      deps,
      (e) => verdict(e, safe),
      () => metrics.retried(host.host),
    );
    if (outcome.isOk()) return ok(outcome.value);
    const { error, attempts, stop, delayMs } = outcome.error;
    if (attempts === 1 && stop !== 'over budget') return err(error);
    const why =
      stop === 'final'
        ? 'a final error'
        : stop === 'no tries left'
          ? 'no tries left'
          : `waiting ${delayMs} ms more would pass maxElapsedMs`;
    return err(error.afterTries(attempts, why));
  };

  const request = (url: string | URL, init: HttpRequestInit = {}) => new ResultAsync(run(url, init));
  const close = () => metrics.close();
  return {
    request,
    get: (url, init = {}) => request(url, { ...init, method: 'GET' }),
    post: (url, body, init = {}) => request(url, { ...init, method: 'POST', ...(body === undefined ? {} : { body }) }),
    circuitState: (url) => {
      const origin = URL.canParse(String(url)) ? new URL(String(url)).origin : undefined;
      return origin === undefined ? undefined : hosts.get(origin)?.circuit?.state;
    },
    close,
    [Symbol.dispose]: close,
  };
}

/** One try: wait for the host's turn, pass its circuit, send, then tell the circuit and the metrics. */
async function tryOnce(
  request: PreparedRequest,
  host: HostState,
  o: ResolvedHttpClientOptions,
  allows: (url: URL) => boolean,
  metrics: ReturnType<typeof httpMetrics>,
): Promise<Result<HttpResponse, HttpClientError>> {
  const base = { method: request.method, url: request.url.href };
  const turn = await host.gate.enter(request.signal);
  if (typeof turn === 'string') {
    const error =
      turn === 'aborted'
        ? new HttpClientError({ ...base, code: 'ABORTED', message: `${host.host}: the caller aborted the request` })
        : new HttpClientError({
            ...base,
            code: 'LIMITED',
            message: `${host.host}: no turn within perHost.maxWaitMs (${o.perHost.maxWaitMs} ms)`,
          });
    metrics.tried(host.host, request.method, error.code, undefined, 0);
    return err(error);
  }
  try {
    const admission = host.circuit?.admit() ?? { admitted: true as const, trial: false };
    if (!admission.admitted) {
      const error = new HttpClientError({
        ...base,
        code: 'CIRCUIT_OPEN',
        message: `${host.host}: circuit open after repeated failures; not calling it for ${admission.retryAfterMs} ms`,
        retryAfterMs: admission.retryAfterMs,
      });
      metrics.tried(host.host, request.method, error.code, undefined, 0);
      return err(error);
    }
    const started = performance.now();
    const result = await sendOnce(request, { ...o, allows });
    const seconds = (performance.now() - started) / 1000;
    const error = result.isErr() ? result.error : undefined;
    if (error?.code === 'ABORTED') host.circuit?.abandoned(admission.trial);
    else if (error !== undefined && hostFailed(error)) host.circuit?.failed(admission.trial);
    else host.circuit?.succeeded(admission.trial);
    metrics.tried(
      host.host,
      request.method,
      error?.code ?? 'ok',
      result.isOk() ? result.value.status : error?.status,
      seconds,
    );
    return result;
  } finally {
    turn();
  }
}

/** The host did not answer properly: it could not be reached, was too slow, or said 5xx. */
function hostFailed(error: HttpClientError): boolean {
  if (error.code === 'NETWORK' || error.code === 'TIMEOUT') return true;
  return error.code === 'HTTP_STATUS' && (error.status ?? 0) >= 500;
}

/**
 * Another try only when it cannot do harm: the method is idempotent or carries an idempotency
 * key — except a refused connection, which sent nothing and may be tried again for any method.
 */
function verdict(error: HttpClientError, safe: boolean): RetryVerdict {
  const again: RetryVerdict = {
    retry: true,
    ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
  };
  if (error.code === 'NETWORK') return safe || causeCode(error.cause) === 'ECONNREFUSED' ? again : { retry: false };
  if (error.code === 'TIMEOUT') return safe ? again : { retry: false };
  if (error.code === 'HTTP_STATUS' && RETRY_STATUSES.has(error.status ?? 0)) return safe ? again : { retry: false };
  return { retry: false };
}

/** The URL parsed and allowed, the method and headers checked: nothing is sent before this passes. */
function prepare(
  target: string | URL,
  init: HttpRequestInit,
  o: ResolvedHttpClientOptions,
  allows: (url: URL) => boolean,
): Result<PreparedRequest, HttpClientError> {
  const method = (init.method ?? 'GET').toUpperCase();
  const text = String(target);
  const invalid = (code: 'INVALID_URL' | 'INVALID_REQUEST' | 'NOT_ALLOWED', message: string, cause?: unknown) =>
    err(new HttpClientError({ code, message, method, url: text, ...(cause === undefined ? {} : { cause }) }));
  if (!TOKEN.test(method) || FORBIDDEN_METHODS.has(method))
    return invalid('INVALID_REQUEST', `'${init.method}' is not a method fetch sends`);
  if (!URL.canParse(text)) return invalid('INVALID_URL', `'${text}' is not an absolute URL`);
  const url = new URL(text);
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return invalid('INVALID_URL', `${url.protocol} URLs are not fetched; use http: or https:`);
  // A user name in a URL is a classic way to dress one host up as another (`https://allowed@evil`).
  if (url.username !== '' || url.password !== '')
    return invalid('INVALID_URL', 'a URL with a user name or password is refused; send credentials in a header');
  if (!allows(url)) return invalid('NOT_ALLOWED', `${url.origin} is not in the allow-list`);
  if (init.body !== undefined && (method === 'GET' || method === 'HEAD'))
    return invalid('INVALID_REQUEST', `a ${method} request has no body`);
  const timeoutMs = init.timeoutMs ?? o.timeoutMs;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1)
    return invalid('INVALID_REQUEST', `timeoutMs must be an integer ≥ 1, got ${String(init.timeoutMs)}`);
  let headers: Headers;
  try {
    headers = new Headers(init.headers as ConstructorParameters<typeof Headers>[0]);
    if (init.idempotencyKey !== undefined) headers.set(o.idempotencyHeader, init.idempotencyKey);
  } catch (thrown) {
    return invalid('INVALID_REQUEST', `bad headers: ${(thrown as Error).message}`, thrown);
  }
  return ok({ method, url, headers, body: init.body, timeoutMs, signal: init.signal });
}
