import { KeelError, type KeelErrorInit } from '@keel/core';

/**
 * What a request can fail with. Codes are stable; messages are not.
 *
 * | code | meaning |
 * | --- | --- |
 * | `INVALID_URL` | the URL does not parse, is not http(s), or carries a user name or password |
 * | `INVALID_REQUEST` | a method or header fetch refuses, or a body with GET/HEAD |
 * | `NOT_ALLOWED` | the URL (or a redirect's target) is outside the allow-list; nothing was sent there |
 * | `LIMITED` | no request slot (or rate token) for the host within `perHost.maxWaitMs` |
 * | `CIRCUIT_OPEN` | the host's circuit is open after repeated failures; nothing was sent |
 * | `TIMEOUT` | one try ran past `timeoutMs` (headers and body) |
 * | `NETWORK` | the connection failed (refused, reset, DNS, TLS) |
 * | `TOO_LARGE` | the response body is over `maxResponseBytes` |
 * | `TOO_MANY_REDIRECTS` | more than `maxRedirects` redirects |
 * | `HTTP_STATUS` | the server answered outside 2xx: `status`, `body` and `headers` say what |
 * | `ABORTED` | the caller's `signal` aborted the request |
 * | `INVALID_RESPONSE` | `response.json()` on a body that is not JSON |
 */
export type HttpClientErrorCode =
  | 'INVALID_URL'
  | 'INVALID_REQUEST'
  | 'NOT_ALLOWED'
  | 'LIMITED'
  | 'CIRCUIT_OPEN'
  | 'TIMEOUT'
  | 'NETWORK'
  | 'TOO_LARGE'
  | 'TOO_MANY_REDIRECTS'
  | 'HTTP_STATUS'
  | 'ABORTED'
  | 'INVALID_RESPONSE';

export interface HttpClientErrorInit extends Omit<KeelErrorInit<HttpClientErrorCode>, 'adapter' | 'op'> {
  /** The request's method. */
  readonly method: string;
  /** The URL the failure is about (a redirect's target for a refused redirect). */
  readonly url?: string;
  readonly status?: number;
  /** The response body as text (`HTTP_STATUS`), within `maxResponseBytes`. */
  readonly body?: string;
  readonly headers?: Headers;
  /** How long the server (`Retry-After`) or the open circuit asks to wait, in ms. */
  readonly retryAfterMs?: number;
  /** Tries made, the first included. */
  readonly attempts?: number;
}

/**
 * The one error class of `@keel/http-client`, inside an `Err`.
 *
 * @example
 * const got = await http.get('https://api.example.com/orders/7');
 * if (got.isErr() && got.error.code === 'HTTP_STATUS' && got.error.status === 404) return notFound();
 */
export class HttpClientError extends KeelError<HttpClientErrorCode> {
  override readonly name = 'HttpClientError';
  readonly method: string;
  readonly url: string | undefined;
  readonly status: number | undefined;
  readonly body: string | undefined;
  readonly headers: Headers | undefined;
  readonly retryAfterMs: number | undefined;
  readonly attempts: number;

  constructor(init: HttpClientErrorInit) {
    super({ ...init, adapter: 'http-client', op: 'request' });
    this.method = init.method;
    this.url = init.url;
    this.status = init.status;
    this.body = init.body;
    this.headers = init.headers;
    this.retryAfterMs = init.retryAfterMs;
    this.attempts = init.attempts ?? 1;
  }

  /** The same error after `attempts` tries, its message saying why the client stopped. */
  afterTries(attempts: number, why: string): HttpClientError {
    return new HttpClientError({
      code: this.code,
      message: `${this.message} (gave up after ${attempts} tries: ${why})`,
      method: this.method,
      attempts,
      cause: this,
      ...defined({ url: this.url, status: this.status, body: this.body, headers: this.headers }),
      ...defined({ retryAfterMs: this.retryAfterMs }),
    });
  }
}

/** `init` without its `undefined` fields (exactOptionalPropertyTypes). */
export function defined<T extends object>(init: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(init).filter(([, value]) => value !== undefined)) as never;
}
