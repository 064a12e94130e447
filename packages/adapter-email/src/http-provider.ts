import { EmailError, type Clock, type EmailErrorCode } from '@keel/core';
import { parseRetryAfter } from '@keel/core/adapter';

/** One request to a provider's HTTP API. */
export interface HttpRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | FormData;
}

/** A provider's answer, read in full. */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

/** What a provider makes of an error answer: its own words and, when it knows better, the code. */
export interface ProviderErrorReading {
  readonly message: string;
  readonly code?: EmailErrorCode;
}

/**
 * POSTs to a provider and returns a 2xx answer. Everything else throws an `EmailError`:
 * a network failure or the timeout (an `AbortSignal`) is `UNAVAILABLE`; an error status is
 * mapped by `httpStatusCode` unless the provider's `readError` names a code.
 *
 * @example
 * const answer = await postToProvider('sendgrid', { url, headers, body }, { signal, clock, readError });
 */
export async function postToProvider(
  provider: string,
  request: HttpRequest,
  options: {
    readonly signal: AbortSignal;
    readonly clock: Clock;
    readonly readError: (answer: HttpAnswer) => ProviderErrorReading;
  },
): Promise<HttpAnswer> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(request.url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      signal: options.signal,
      redirect: 'error',
    });
    text = await response.text();
  } catch (thrown) {
    throw networkError(provider, request.url, thrown, options.signal);
  }
  const answer: HttpAnswer = { status: response.status, headers: response.headers, text };
  if (response.status >= 200 && response.status < 300) return answer;
  const reading = safeRead(options.readError, answer);
  const code = reading.code ?? httpStatusCode(response.status);
  const retryAfterMs =
    code === 'RATE_LIMITED' || code === 'UNAVAILABLE'
      ? parseRetryAfter(response.headers.get('retry-after'), options.clock.now())
      : undefined;
  throw new EmailError({
    code,
    message: `${provider} answered ${response.status}: ${reading.message}`,
    adapter: provider,
    op: 'send',
    status: response.status,
    cause: { status: response.status, body: text.slice(0, 2000) },
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
}

/**
 * The code of an HTTP error status: 401/403 `AUTH_FAILED`, 429 `RATE_LIMITED`, 408 and 5xx
 * `UNAVAILABLE`, any other 4xx (400, 402, 404, 413, 422, …) `REJECTED`.
 */
export function httpStatusCode(status: number): EmailErrorCode {
  if (status === 401 || status === 403) return 'AUTH_FAILED';
  if (status === 429) return 'RATE_LIMITED';
  if (status === 408 || status >= 500) return 'UNAVAILABLE';
  if (status >= 400) return 'REJECTED';
  return 'INTERNAL';
}

/** The JSON of an answer, or `undefined` when it is not JSON. */
export function jsonOf(answer: HttpAnswer): unknown {
  try {
    return JSON.parse(answer.text);
  } catch {
    return undefined;
  }
}

/** `{"message": "..."}`-style bodies, else the text itself, shortened. */
export function plainMessage(answer: HttpAnswer): string {
  const json = jsonOf(answer) as { message?: unknown } | undefined;
  if (typeof json?.message === 'string') return json.message;
  return answer.text.trim().slice(0, 500) || `HTTP ${answer.status}`;
}

function safeRead(readError: (answer: HttpAnswer) => ProviderErrorReading, answer: HttpAnswer): ProviderErrorReading {
  try {
    return readError(answer);
  } catch {
    return { message: plainMessage(answer) };
  }
}

function networkError(provider: string, url: string, thrown: unknown, signal: AbortSignal): EmailError {
  const timedOut = signal.aborted && (signal.reason as Error | undefined)?.name === 'TimeoutError';
  const reason = timedOut ? 'timed out' : describeCause(thrown);
  return new EmailError({
    code: 'UNAVAILABLE',
    message: `${provider}: request to ${new URL(url).origin} failed: ${reason}`,
    adapter: provider,
    op: 'send',
    cause: thrown,
  });
}

function describeCause(thrown: unknown): string {
  const error = thrown as { message?: string; cause?: { code?: string; message?: string } };
  const cause = error?.cause;
  if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  return cause?.message ?? error?.message ?? String(thrown);
}
