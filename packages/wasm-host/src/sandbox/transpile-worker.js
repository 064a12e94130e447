// @ts-check
// Runs jco's transpiler for one component in a throwaway worker thread, so that jco's bindgen,
// its WASI shim and the IO thread that shim starts never load into the host's own isolate.
// jco comes by the URL the host resolved (src/loader/transpiler.ts), which checked that it is
// there and is the pinned version. Written in JavaScript because Node 20 workers cannot load
// TypeScript.
import { parentPort, workerData } from 'node:worker_threads';

const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);
const { bytes, options, transpiler } =
  /** @type {{ bytes: Uint8Array, options: Record<string, unknown>, transpiler: string }} */ (workerData);

const message = (/** @type {unknown} */ error) => (error instanceof Error ? error.message : String(error));

/** @type {typeof import('@bytecodealliance/jco-transpile').transpileBytes | undefined} */
let transpileBytes;
try {
  ({ transpileBytes } = await import(transpiler));
} catch (error) {
  port.postMessage({ error: message(error), loading: true });
}
if (transpileBytes) {
  try {
    const result = await transpileBytes(bytes, options);
    port.postMessage({ ok: { files: result.files, imports: result.imports, exports: result.exports } });
  } catch (error) {
    port.postMessage({ error: message(error) });
  }
}
