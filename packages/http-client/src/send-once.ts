import { type Clock, err, ok, type Result } from '@keel/core';
import { parseRetryAfter } from '@keel/core/adapter';
import { defined, HttpClientError, type HttpClientErrorCode } from './http-client-errors.js';
import { HttpResponse } from './http-response.js';

/** A request checked and ready to send (URL parsed and allowed, headers built). */
export interface PreparedRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Headers;
  readonly body: string | Uint8Array | URLSearchParams | FormData | Blob | undefined;
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
}

export interface SendLimits {
  readonly maxResponseBytes: number;
  readonly maxRedirects: number;
  readonly allows: (url: URL) => boolean;
  readonly clock: Clock;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const CREDENTIALS = ['authorization', 'cookie', 'proxy-authorization'];

/**
 * One try: fetch, following redirects by hand so that each target is checked against the
 * allow-list before anything is sent to it, then the body read up to `maxResponseBytes`. The
 * timeout covers all of it. A 2xx is `Ok`; anything else is an `Err` with the code of where it
 * failed (`HTTP_STATUS` with the status, body, headers and `Retry-After`).
 *
 * @example
 * const answer = await sendOnce(prepared, { maxResponseBytes, maxRedirects, allows, clock });
 */
export async function sendOnce(
  request: PreparedRequest,
  limits: SendLimits,
): Promise<Result<HttpResponse, HttpClientError>> {
  const timeout = AbortSignal.timeout(request.timeoutMs);
  const signal = request.signal ? AbortSignal.any([timeout, request.signal]) : timeout;
  const fail = (code: HttpClientErrorCode, message: string, url: URL, extra: object = {}) =>
    err(new HttpClientError({ code, message, method: request.method, url: url.href, ...extra }));
  let { method, body, url } = request;
  const headers = new Headers(request.headers);
  for (let hops = 0; ; hops++) {
    let response: Response;
    try {
      response = await fetch(url, { method, headers, body, signal, redirect: 'manual' });
    } catch (thrown) {
      return err(thrownError(request, url, thrown, timeout));
    }
    const location = response.headers.get('location');
    if (REDIRECTS.has(response.status) && location !== null) {
      await response.body?.cancel().catch(() => undefined);
      const next = URL.canParse(location, url.href) ? new URL(location, url) : undefined;
      if (next === undefined) return fail('NETWORK', `${url.origin} redirected to an unreadable Location`, url);
      if (hops >= limits.maxRedirects)
        return fail(
          'TOO_MANY_REDIRECTS',
          `more than ${limits.maxRedirects} redirects, the last to ${next.origin}`,
          next,
        );
      if (next.username !== '' || next.password !== '' || !limits.allows(next))
        return fail('NOT_ALLOWED', `${url.origin} redirected to ${next.origin}, which is not in the allow-list`, next);
      // As browsers do: 303, and 301/302 after a POST, become a GET without a body.
      if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
        if (method !== 'HEAD') method = 'GET';
        body = undefined;
        headers.delete('content-type');
        headers.delete('content-length');
      }
      if (next.origin !== url.origin) for (const name of CREDENTIALS) headers.delete(name);
      url = next;
      continue;
    }
    const read = await readBody(response, limits.maxResponseBytes, signal);
    if (read === 'too large')
      return fail('TOO_LARGE', `${url.origin} answered more than ${limits.maxResponseBytes} bytes`, url, {
        status: response.status,
      });
    if (read instanceof Error) return err(thrownError(request, url, read, timeout));
    const answer = new HttpResponse(method, response.status, response.headers, url.href, read);
    if (response.status >= 200 && response.status < 300) return ok(answer);
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), limits.clock.now());
    return fail('HTTP_STATUS', `${method} ${url.origin}${url.pathname} answered ${response.status}`, url, {
      status: response.status,
      body: answer.text(),
      headers: response.headers,
      ...defined({ retryAfterMs }),
    });
  }
}

/** The body in full, or `'too large'` past `max` bytes (read no further), or what broke the read. */
async function readBody(
  response: Response,
  max: number,
  signal: AbortSignal,
): Promise<Uint8Array | 'too large' | Error> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > max) {
    await response.body?.cancel().catch(() => undefined);
    return 'too large';
  }
  if (response.body === null) return new Uint8Array();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > max) {
        await reader.cancel().catch(() => undefined);
        return 'too large';
      }
      chunks.push(value);
    }
  } catch (thrown) {
    return thrown instanceof Error ? thrown : new Error(String(thrown), { cause: signal.reason });
  }
  const body = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  return body;
}

function thrownError(request: PreparedRequest, url: URL, thrown: unknown, timeout: AbortSignal): HttpClientError {
  const base = { method: request.method, url: url.href, cause: thrown };
  if (timeout.aborted)
    return new HttpClientError({
      ...base,
      code: 'TIMEOUT',
      message: `${url.origin}: no answer within ${request.timeoutMs} ms`,
    });
  if (request.signal?.aborted)
    return new HttpClientError({ ...base, code: 'ABORTED', message: `${url.origin}: the caller aborted the request` });
  return new HttpClientError({ ...base, code: 'NETWORK', message: `${url.origin}: ${describeCause(thrown)}` });
}

/** The system error code undici wraps (`ECONNRESET`, `ECONNREFUSED`), else the message. */
export function causeCode(thrown: unknown): string | undefined {
  let at = thrown as { code?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; at && depth < 4; depth++) {
    if (typeof at.code === 'string' && /^E[A-Z]+$/.test(at.code)) return at.code;
    at = at.cause as typeof at;
  }
  return undefined;
}

function describeCause(thrown: unknown): string {
  const code = causeCode(thrown);
  const message = (thrown as { cause?: { message?: string }; message?: string })?.cause?.message;
  return code ?? message ?? (thrown as Error)?.message ?? String(thrown);
}
