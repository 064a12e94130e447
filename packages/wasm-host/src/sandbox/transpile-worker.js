// @ts-check
// Runs jco's transpiler for one component in a throwaway worker thread, so that jco's bindgen,
// its WASI shim and the IO thread that shim starts never load into the host's own isolate.
// Written in JavaScript because Node 20 workers cannot load TypeScript.
import { parentPort, workerData } from 'node:worker_threads';

const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);
const { bytes, options } = /** @type {{ bytes: Uint8Array, options: Record<string, unknown> }} */ (workerData);

try {
  const { transpileBytes } = await import('@bytecodealliance/jco-transpile');
  const result = await transpileBytes(bytes, options);
  port.postMessage({ ok: { files: result.files, imports: result.imports, exports: result.exports } });
} catch (error) {
  port.postMessage({ error: error instanceof Error ? error.message : String(error) });
}
