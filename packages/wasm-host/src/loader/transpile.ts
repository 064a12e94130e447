import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { Artifact } from './artifact.js';
import { sandboxUrl } from '../sandbox-url.js';
import { jcoTranspileVersion, locateTranspiler } from './transpiler.js';

export { jcoTranspileVersion } from './transpiler.js';

/** Options passed to jco: sync instantiation (imports supplied at run time), no inlined modules. */
const transpileOptions = {
  name: 'component',
  instantiation: 'sync',
  base64Cutoff: 0,
  noComponentErrorWrapping: true,
} as const;

/** Bumped whenever `patchGlue` changes, so that cached glue from an older host is not reused. */
const GLUE_PATCH_VERSION = 2;

export class TranspileError extends Error {
  override readonly name = 'TranspileError';
}

/**
 * Transpiles a component with jco in a short-lived worker thread and patches the glue. Rejects
 * with `TranspileError` when jco refuses the bytes (not a component, invalid, unsupported), and
 * with `TranspilerMissingError` when jco is not installed: it is looked for only here.
 */
export async function transpileComponent(bytes: Uint8Array, hash: string): Promise<Artifact> {
  const result = await runTranspileWorker(bytes, locateTranspiler());
  const glueFile = `${transpileOptions.name}.js`;
  const coreModules: Record<string, Uint8Array> = {};
  const declarations: Record<string, string> = {};
  const decoder = new TextDecoder();
  let glue: string | undefined;
  for (const [name, data] of Object.entries(result.files)) {
    if (name === glueFile) glue = decoder.decode(data);
    else if (name.endsWith('.wasm')) coreModules[name] = data;
    else if (name.startsWith('interfaces/') && name.endsWith('.d.ts'))
      declarations[name.slice('interfaces/'.length)] = decoder.decode(data);
  }
  if (glue === undefined) throw new TranspileError('jco produced no glue');
  return {
    hash,
    glue: patchGlue(glue, Object.keys(coreModules)),
    coreModules,
    declarations,
    imports: result.imports,
    exports: result.exports,
  };
}

/** A fingerprint of everything besides the bytes that shapes an artifact: jco's version and our patches. */
export function transpilerFingerprint(): string {
  return `jco-transpile@${jcoTranspileVersion}+patch${GLUE_PATCH_VERSION}`;
}

let fingerprintDigest: string | undefined;

/** The name of a component's artifact wherever it is kept: its sha256 and the fingerprint's. */
export function artifactKey(hash: string): string {
  fingerprintDigest ??= createHash('sha256').update(transpilerFingerprint()).digest('hex').slice(0, 12);
  return `${hash}-${fingerprintDigest}`;
}

/**
 * Changes to jco's glue, the first two asserted to apply exactly once so that a different jco
 * fails loudly instead of silently running unpatched glue:
 * - `_debugLog` read `process.env.JCO_DEBUG` on every call (a C++ interceptor in Node: most of
 *   a trivial call's cost); it is now read once per instantiation.
 * - the module's `export`s become a function body returning `instantiate`, see `evaluateGlue`.
 * - each `WebAssembly.promising(f)` (JSPI, which Node 20 and 22 lack) sits in a `try` whose `catch`
 *   falls back to `f`: without JSPI it threw a fresh TypeError per export at every
 *   instantiation, and capturing its stack inside jco's 12 000-line init generator cost 4–20 ms
 *   each (most of the JavaScript guest's instantiation). Without JSPI it now throws one error
 *   made once, so the same `catch` runs, without a stack to capture.
 */
export function patchGlue(glue: string, coreModules: readonly string[]): string {
  let js = replaceOnce(
    glue,
    `const _debugLog = (...args) => {
    if (!globalThis?.process?.env?.JCO_DEBUG) { return; }
    console.debug(...args);
  };`,
    `const _debugLog = globalThis?.process?.env?.JCO_DEBUG ? (...args) => { console.debug(...args); } : () => {};`,
  );
  js = replaceOnce(js, 'export function instantiate(', 'function instantiate(');
  js = replaceOnce(js, 'export const _util = {', 'const _util = {');
  js = js.replaceAll('WebAssembly.promising(', `${PROMISING}(`);
  if (/^\s*(import|export)\s/m.test(js))
    throw new TranspileError('the glue has module imports or exports the host does not expect');
  // Every core module must come through getCoreModule, where the host caps its memory.
  if (/base64Compile|WebAssembly\.(compile|instantiate|Module)\s*\(/.test(js)) {
    throw new TranspileError('the glue compiles core modules itself; the host could not cap their memory');
  }
  for (const name of coreModules) {
    if (!js.includes(`getCoreModule('${name}')`))
      throw new TranspileError(`the glue never asks for core module ${name}`);
  }
  return `"use strict";\n${promisingPrelude}\n${js}\nreturn instantiate;\n`;
}

/** What `WebAssembly.promising(` becomes in the glue; the prelude defines it. */
const PROMISING = '_keelPromising';
const promisingPrelude = `const ${PROMISING} = typeof WebAssembly.promising === 'function'
  ? WebAssembly.promising
  : ((noJspi) => () => { throw noJspi; })(new TypeError('WebAssembly.promising is not a function'));`;

function replaceOnce(source: string, from: string, to: string): string {
  const count = source.split(from).length - 1;
  if (count !== 1) throw new TranspileError(`unexpected glue from jco: "${from.slice(0, 40)}…" appears ${count} times`);
  return source.replace(from, () => to);
}

interface WorkerResult {
  files: Record<string, Uint8Array>;
  imports: string[];
  exports: [string, 'function' | 'instance'][];
}

/** `transpiler`: the URL of jco-transpile's entry, which the worker imports. */
function runTranspileWorker(bytes: Uint8Array, transpiler: string): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(sandboxUrl('transpile-worker.js'), {
      workerData: { bytes, options: transpileOptions, transpiler },
      // jco's own WASI shim reads the environment; it has no use for the host's. The host's
      // flags (--input-type, --inspect, loaders) are not the transpiler's either.
      env: {},
      execArgv: [],
      stdout: true,
      stderr: true,
    });
    let settled = false;
    worker.once('message', (message: { ok?: WorkerResult; error?: string; loading?: boolean }) => {
      settled = true;
      if (message.ok) resolve(message.ok);
      // jco itself failing to load is the host's problem, not the component's: not a TranspileError.
      else if (message.loading)
        reject(new Error(`jco-transpile cannot be loaded from ${transpiler}: ${message.error}`));
      else reject(new TranspileError(message.error ?? 'jco failed'));
      void worker.terminate();
    });
    worker.once('error', (error) => {
      // The worker failing is the host's problem, not the component's: not a TranspileError.
      if (!settled) reject(new Error(`the transpiler worker failed: ${error.message}`));
      settled = true;
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`the transpiler worker exited with code ${code}`));
      settled = true;
    });
  });
}
