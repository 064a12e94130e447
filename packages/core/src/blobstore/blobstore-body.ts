import { describeValue } from '../errors/describe-value.js';
import type { BlobBody } from './blobstore-contract.js';
import { BlobstoreError } from './blobstore-errors.js';

/**
 * A write's body as a driver takes it: bytes (size known, checked at once) or chunks that throw
 * `TOO_LARGE` the moment the total passes `maxObjectBytes` — so a driver that stops on the throw
 * has written nothing visible, however long the stream. A source that fails is `INVALID_ARGUMENT`
 * (the caller's stream broke, not the store), with the source's error as `cause`.
 */
export function bodyForDriver(
  body: BlobBody,
  maxObjectBytes: number,
): Uint8Array | AsyncIterable<Uint8Array> | BlobstoreError {
  if (typeof body === 'string') body = Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return body.byteLength > maxObjectBytes ? tooLarge(maxObjectBytes) : body;
  if (typeof (body as AsyncIterable<Uint8Array> | null)?.[Symbol.asyncIterator] !== 'function') {
    throw new TypeError(
      `blobstore.write: body must be a Uint8Array, a string or an async iterable of bytes, got ${describeValue(body)}`,
    );
  }
  return limited(body, maxObjectBytes);
}

async function* limited(source: AsyncIterable<unknown>, max: number): AsyncGenerator<Uint8Array> {
  let total = 0;
  const iterator = source[Symbol.asyncIterator]();
  try {
    while (true) {
      let step: IteratorResult<unknown>;
      try {
        step = await iterator.next();
      } catch (cause) {
        throw new BlobstoreError({
          code: 'INVALID_ARGUMENT',
          message: `the body stream failed: ${cause instanceof Error ? cause.message : String(cause)}`,
          cause,
        });
      }
      if (step.done) return;
      const chunk = typeof step.value === 'string' ? Buffer.from(step.value, 'utf8') : step.value;
      if (!(chunk instanceof Uint8Array)) {
        throw new BlobstoreError({
          code: 'INVALID_ARGUMENT',
          message: `the body stream gave ${describeValue(chunk)}; chunks must be Uint8Array or string`,
        });
      }
      total += chunk.byteLength;
      if (total > max) throw tooLarge(max);
      if (chunk.byteLength > 0) yield chunk;
    }
  } finally {
    // Stops the source (a Readable is destroyed) when the write ends early.
    await Promise.resolve(iterator.return?.()).catch(() => undefined);
  }
}

function tooLarge(max: number): BlobstoreError {
  return new BlobstoreError({ code: 'TOO_LARGE', message: `the object is larger than maxObjectBytes (${max} bytes)` });
}
