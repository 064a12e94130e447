// @ts-check
// Outgoing HTTP for a guest, through preview2-shim, limited to an allow-list. Loaded only for a
// component that imports wasi:http (importing preview2-shim starts its IO thread). HTTP bodies
// and futures are preview2-shim resources, so the io interfaces come from preview2-shim too,
// with stdin closed and stdout/stderr still captured.

/**
 * @typedef {object} HttpPolicy
 * @property {(scheme: string, authority: string | undefined) => boolean} allows
 * @property {(scheme: string, authority: string | undefined) => void} denied  records a refused request
 */

/**
 * Where preview2-shim's modules are, as absolute URLs. The built package's guest worker is a
 * `data:` module, which can import an absolute URL but not a package name.
 * @typedef {object} ShimUrls
 * @property {string} io
 * @property {string} clocks
 * @property {string} http
 */

/**
 * Replaces the io, monotonic-clock and cli stream interfaces of `base` with preview2-shim's and
 * adds `wasi:http/types` and `wasi:http/outgoing-handler`.
 * @param {Record<string, Record<string, unknown>>} base
 * @param {import('./wasi.js').WasiContext} ctx
 * @param {HttpPolicy} policy
 * @param {ShimUrls} [urls]  where to import preview2-shim from; by package name when absent
 */
export async function withHttp(base, ctx, policy, urls) {
  /** @type {[typeof import('@bytecodealliance/preview2-shim/io'), typeof import('@bytecodealliance/preview2-shim/clocks'), typeof import('@bytecodealliance/preview2-shim/http')]} */
  const [io, clocks, http] = urls
    ? await Promise.all([import(urls.io), import(urls.clocks), import(urls.http)])
    : await Promise.all([
        import('@bytecodealliance/preview2-shim/io'),
        import('@bytecodealliance/preview2-shim/clocks'),
        import('@bytecodealliance/preview2-shim/http'),
      ]);
  const { tick } = ctx;
  const { InputStream, OutputStream } = io.streams;
  const { Pollable } = io.poll;
  const closed = () => {
    throw { tag: 'closed' };
  };
  class ReadyPollable extends /** @type {any} */ (Pollable) {
    ready() {
      return true;
    }
    block() {}
  }
  // The glue accepts only instances of the classes under `wasi:io/streams`, so capture subclasses them.
  class CaptureStream extends /** @type {any} */ (OutputStream) {
    /** @param {'stdout' | 'stderr'} name */
    constructor(name) {
      super();
      this.streamName = name;
    }
    checkWrite() {
      return 1n << 20n;
    }
    /** @param {Uint8Array} bytes */
    write(bytes) {
      tick('wasi:io/streams');
      ctx.output(this.streamName, new Uint8Array(bytes));
    }
    /** @param {Uint8Array} bytes */
    blockingWriteAndFlush(bytes) {
      this.write(bytes);
    }
    flush() {}
    blockingFlush() {}
    /** @param {bigint} n */
    writeZeroes(n) {
      this.write(new Uint8Array(Math.min(Number(n), ctx.maxBytes)));
    }
    /** @param {bigint} n */
    blockingWriteZeroesAndFlush(n) {
      this.writeZeroes(n);
    }
    splice() {
      closed();
    }
    blockingSplice() {
      closed();
    }
    subscribe() {
      return new ReadyPollable();
    }
    [Symbol.dispose]() {}
  }
  class ClosedInput extends /** @type {any} */ (InputStream) {
    read() {
      closed();
    }
    blockingRead() {
      closed();
    }
    skip() {
      closed();
    }
    blockingSkip() {
      closed();
    }
    subscribe() {
      return new ReadyPollable();
    }
    [Symbol.dispose]() {}
  }
  const schemeOf = (/** @type {{ tag: string, val?: string } | undefined} */ scheme) =>
    !scheme || scheme.tag === 'HTTPS'
      ? 'https'
      : scheme.tag === 'HTTP'
        ? 'http'
        : String(scheme.val ?? '').toLowerCase();
  return {
    ...base,
    'wasi:cli/stdin': { getStdin: () => new ClosedInput() },
    'wasi:cli/stdout': { getStdout: () => new CaptureStream('stdout') },
    'wasi:cli/stderr': { getStderr: () => new CaptureStream('stderr') },
    'wasi:io/error': io.error,
    'wasi:io/poll': io.poll,
    'wasi:io/streams': io.streams,
    'wasi:clocks/monotonic-clock': clocks.monotonicClock,
    'wasi:http/types': http.types,
    'wasi:http/outgoing-handler': {
      /** @param {any} request @param {unknown} options */
      handle(request, options) {
        // A request leaves the machine: it counts against maxHostCalls like a Keel import.
        ctx.charge('wasi:http/outgoing-handler');
        const scheme = schemeOf(request.scheme());
        const authority = request.authority();
        if (!policy.allows(scheme, authority)) {
          policy.denied(scheme, authority);
          throw { tag: 'HTTP-request-denied' };
        }
        return http.outgoingHandler.handle(request, /** @type {any} */ (options));
      },
    },
  };
}
