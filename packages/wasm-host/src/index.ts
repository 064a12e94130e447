export { createWasmHost, type WasmHost } from './wasm-host.js';
export type { WasmHostAdapters } from './host/host-adapters.js';
export type { WasmComponent } from './host/wasm-component.js';
export type { CallOptions, CallWorkflow } from './host/call-options.js';
export type { LoadOptions, WasmGrants, WasmLimits, WasmHostOptions, WasmMode } from './wasm-host-options.js';
export { defaultLimits, loadOptions, wasmHostOptions, wasmLimitsOptions } from './wasm-host-options.js';
export { wasmGrantsOptions } from './host/grants.js';
export { WasmHostError, type WasmHostErrorCode, type WasmHostErrorInit } from './wasm-host-errors.js';
export type { SqlAccess } from './imports/sql-statement-guard.js';
export { consoleLogger, type WasmHostLogger, type WasmLogLevel } from './log/logger.js';
export {
  createMemoryExecutionLog,
  type ExecutionLogSink,
  type ExecutionRecord,
  type MemoryExecutionLog,
} from './log/execution-log.js';
export { createSqlExecutionLog, type SqlExecutionLog, type SqlExecutionLogOptions } from './log/sql-execution-log.js';
export type { ExecutionPage, ExecutionQuery, StoredExecution } from './log/sql-execution-query.js';
export { createComponentKv, componentKvAdapter } from './adapter/component-kv-adapter.js';
export {
  embeddableArtifacts,
  type EmbeddableArtifact,
  type PretranspiledArtifacts,
} from './loader/embedded-artifacts.js';
export { componentKvOptions, type ComponentKvOptions } from './adapter/component-kv-options.js';
export { repositoryWit, type RepositoryWitOptions } from './repository/repository-wit.js';
export type { RepositoryGrant, ServableRepository } from './repository/repository-grant.js';

declare module '@keel/core' {
  interface KvAdapterOptionsMap {
    component: import('./adapter/component-kv-options.js').ComponentKvOptions;
  }
}
