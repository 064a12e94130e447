import { err, ok, type Result } from '@keel/core';
import { HttpClientError } from './http-client-errors.js';

/**
 * A response read in full (within `maxResponseBytes`).
 *
 * @example
 * const order = (await http.get(url))._unsafeUnwrap().json();
 */
export class HttpResponse {
  /** Tries it took, the first included. */
  attempts = 1;

  constructor(
    readonly method: string,
    readonly status: number,
    readonly headers: Headers,
    /** The URL that answered, after redirects. */
    readonly url: string,
    readonly body: Uint8Array,
  ) {}

  /** The body as UTF-8 text. */
  text(): string {
    return new TextDecoder().decode(this.body);
  }

  /** The body parsed as JSON; `Err(INVALID_RESPONSE)` when it is not JSON. */
  json(): Result<unknown, HttpClientError> {
    try {
      return ok(JSON.parse(this.text()));
    } catch (thrown) {
      return err(
        new HttpClientError({
          code: 'INVALID_RESPONSE',
          message: `${this.url} answered ${this.status} with a body that is not JSON`,
          method: this.method,
          url: this.url,
          status: this.status,
          cause: thrown,
        }),
      );
    }
  }
}
