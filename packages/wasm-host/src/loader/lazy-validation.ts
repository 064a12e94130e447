import { setFlagsFromString } from 'node:v8';
import { type WasmModule, webAssembly } from '../webassembly.js';

/** Whether V8 validates WebAssembly functions lazily in this process (Node started with the flag, or a load turned it on). */
let lazy = process.execArgv.some((arg) => /^--wasm[-_]lazy[-_]validation$/.test(arg));

/**
 * Compiles a core module that compiled in full before (the capped store keeps no other), with
 * V8 validating each function when it is first called instead of all of them now: validating
 * the JavaScript guest's 12 MB module is 30–40 ms of a load from the disk cache in a new
 * process; this compile takes about 10. A function that does not validate still never runs:
 * its first call throws a `CompileError`.
 *
 * The flag is the process's, and it stays on from here: V8 checks it again when a function is
 * first called, and aborts the process when one fails validation with the flag off (Node 20).
 * So every later compile in the process is lazy too; the host's own compiles of modules it has
 * not compiled before go through `compileInFull`.
 */
export function compileValidatedBefore(bytes: Uint8Array): Promise<WasmModule> {
  if (!lazy) {
    setFlagsFromString('--wasm-lazy-validation');
    lazy = true;
  }
  return webAssembly.compile(bytes);
}

/**
 * Compiles a module with every function validated now, whatever the process's flag: a module
 * that does not validate rejects with a `CompileError`, as `WebAssembly.compile` does without
 * lazy validation (`WebAssembly.validate` always validates everything).
 */
export function compileInFull(bytes: Uint8Array): Promise<WasmModule> {
  if (lazy && !webAssembly.validate(bytes))
    return Promise.reject(new webAssembly.CompileError('a function does not validate (WebAssembly.validate found it)'));
  return webAssembly.compile(bytes);
}
