export { createComponentRegistry, type ComponentRegistry } from './create-registry.js';
export type { LiveCalls, LiveComponent } from './live-components.js';
export { RegistryError, type RegistryErrorCode } from './registry-errors.js';
export { registryOptions, type RegistryOptions } from './registry-options.js';
export type { UploadInput } from './upload.js';
export type {
  ActorOptions,
  ComponentInfo,
  ComponentRouting,
  ComponentSummary,
  ComponentVersion,
  RegistryAuditRecord,
} from './registry-types.js';
