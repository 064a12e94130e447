import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { sandboxUrl } from '../sandbox-url.js';

/**
 * The bundled text of `sandbox/guest-worker.js`, put in by the build (tsup.config.ts). Undefined
 * when running from the sources, where the worker starts from its file.
 */
declare const __KEEL_GUEST_WORKER__: string | undefined;

let embedded: URL | undefined;

/**
 * Where the isolated-mode worker starts from. The built package starts it from a `data:` URL of
 * its own text, so it needs no file beside the module: that is what lets it run inside a single
 * executable, which has none. Node loads a `data:` worker as an ES module.
 */
export function guestWorkerUrl(): URL {
  if (typeof __KEEL_GUEST_WORKER__ !== 'string') return sandboxUrl('guest-worker.js');
  embedded ??= new URL(`data:text/javascript;base64,${Buffer.from(__KEEL_GUEST_WORKER__).toString('base64')}`);
  return embedded;
}

/** The preview2-shim modules the worker imports for a component that uses wasi:http. */
export interface Preview2ShimUrls {
  readonly io: string;
  readonly clocks: string;
  readonly http: string;
}

let shim: Preview2ShimUrls | undefined;

/**
 * preview2-shim's modules as absolute URLs, resolved here for the worker: a `data:` module can
 * import an absolute URL but not a package name. Throws when the package cannot be found.
 */
export function preview2ShimUrls(): Preview2ShimUrls {
  if (!shim) {
    const require = createRequire(import.meta.url);
    const url = (name: string) => pathToFileURL(require.resolve(`@bytecodealliance/preview2-shim/${name}`)).href;
    shim = { io: url('io'), clocks: url('clocks'), http: url('http') };
  }
  return shim;
}
