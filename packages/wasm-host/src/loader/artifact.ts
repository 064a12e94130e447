/** What the host keeps of a transpiled component: everything needed to check and instantiate it. */
export interface Artifact {
  /** sha256 of the component bytes, lowercase hex. */
  readonly hash: string;
  /** jco's glue, patched into a function body that returns `instantiate`. */
  readonly glue: string;
  /** The core modules the glue instantiates, by the name it asks for them (uncapped). */
  readonly coreModules: Readonly<Record<string, Uint8Array>>;
  /** jco's TypeScript declarations of each interface the component imports or exports, by file name. */
  readonly declarations: Readonly<Record<string, string>>;
  /** The interfaces it imports, unversioned (`keel:infrastructure/kv`, `wasi:cli/stdout`). */
  readonly imports: readonly string[];
  /** Its exports as jco names them: functions (`checkedDiv`) and interfaces (`kv`, `keel:infrastructure/kv@0.1.0`). */
  readonly exports: readonly (readonly [string, 'function' | 'instance'])[];
}
