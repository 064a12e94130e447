/**
 * The parts of the WebAssembly JS API the host uses, typed here because TypeScript declares
 * them only in the DOM lib, which a Node package does not load. No global declarations: the
 * sources also compile in other packages' programs (through the `keel-source` condition).
 */
export interface WasmModule {
  readonly [brand]?: 'WebAssembly.Module';
}
declare const brand: unique symbol;

export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}

export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

export interface WebAssemblyApi {
  readonly Module: new (bytes: Uint8Array) => WasmModule;
  readonly Instance: new (module: WasmModule, imports?: Record<string, Record<string, unknown>>) => WasmInstance;
  readonly Memory: abstract new (...args: never[]) => WasmMemory;
  readonly RuntimeError: abstract new (...args: never[]) => Error;
  readonly CompileError: new (message?: string) => Error;
  compile(bytes: Uint8Array): Promise<WasmModule>;
  validate(bytes: Uint8Array): boolean;
}

export const webAssembly = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;
