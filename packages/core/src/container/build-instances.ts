import type { DependencyContainer } from 'tsyringe';
import type { InterfaceName } from '../config/config-types.js';
import type { InstanceSpec } from '../config/normalize-config.js';
import { KeelOptionsError } from '../config/options-reader.js';
import type { AdapterContext, AdapterFactory, AdapterRegistry } from '../registry/adapter-registry.js';
import { importModule } from '../registry/import-module.js';
import { interfaceInfo } from './interfaces.js';
import type { KeelToken } from './tokens.js';

/** A built instance, with what start-up and close need to know. */
export interface BuiltInstance {
  readonly spec: InstanceSpec;
  readonly value: Record<string, unknown> & {
    readonly adapter: string;
    readonly capabilities: Readonly<Record<string, boolean>>;
    open(): Promise<{ isErr(): boolean; error?: unknown }>;
    close(): Promise<void>;
    health(): Promise<object>;
  };
}

/**
 * Loads each spec's factory and builds the instance, collecting every config problem
 * (options, missing packages, missing capabilities) rather than stopping at the first.
 */
export async function buildInstance(
  spec: InstanceSpec,
  registry: AdapterRegistry,
  container: DependencyContainer,
  issues: string[],
): Promise<BuiltInstance | undefined> {
  const factory = await loadFactory(spec, registry, issues);
  if (!factory) return undefined;
  const context: AdapterContext = {
    interface: spec.interface as InterfaceName,
    name: spec.name,
    resolve: <T>(token: KeelToken<T>) => container.resolve<T>(token),
  };
  let value: BuiltInstance['value'];
  try {
    value = (await (factory as (options: unknown, context: AdapterContext) => unknown)(
      spec.options,
      context,
    )) as BuiltInstance['value'];
  } catch (error) {
    if (error instanceof KeelOptionsError) issues.push(`${spec.path}.options.${error.path}: ${error.problem}`);
    else issues.push(`${spec.path}.options: ${(error as Error).message ?? String(error)}`);
    return undefined;
  }
  const info = interfaceInfo[spec.interface as InterfaceName];
  const missing = info.operations.filter((op) => typeof value?.[op] !== 'function');
  if (missing.length > 0 || typeof value?.open !== 'function') {
    issues.push(
      `${spec.path}: adapter '${spec.adapter}' did not return a ${spec.interface} instance (missing: ${missing.join(', ') || 'open'})`,
    );
    return undefined;
  }
  const lacking = spec.requires.filter((capability) => value.capabilities?.[capability] !== true);
  if (lacking.length > 0) {
    const has = Object.entries(value.capabilities ?? {})
      .filter(([, v]) => v)
      .map(([k]) => k);
    issues.push(
      `${spec.path}.requires: adapter '${spec.adapter}' lacks ${lacking.map((c) => `'${c}'`).join(', ')} ` +
        `(it has: ${has.join(', ') || 'none'})`,
    );
    await value.close();
    return undefined;
  }
  return { spec, value };
}

async function loadFactory(
  spec: InstanceSpec,
  registry: AdapterRegistry,
  issues: string[],
): Promise<AdapterFactory | undefined> {
  const registration = spec.module === undefined ? registry.get(spec.interface, spec.adapter) : undefined;
  const specifier = spec.module ?? registration?.package;
  const exportName = spec.module === undefined ? registration?.export : (spec.export ?? 'default');
  let loaded: unknown;
  try {
    if (registration && (!registration.package || !registration.export)) return await registration.load();
    // Built-ins load through their literal import; when core cannot see the package (a strict
    // pnpm layout), the module is resolved from the app instead and the export picked by name.
    loaded = await importModule(
      specifier as string,
      registration ? () => registration.load().then((f) => ({ [exportName as string]: f })) : undefined,
    );
  } catch (error) {
    issues.push(`${spec.path}: loading ${specifier} failed: ${(error as Error).message}`);
    return undefined;
  }
  if (loaded === undefined) {
    issues.push(
      `${spec.path}.adapter: '${spec.adapter}' needs the package ${specifier}, which is not installed (npm install ${specifier})`,
    );
    return undefined;
  }
  const value = (loaded as Record<string, unknown>)[exportName as string];
  if (typeof value !== 'function') {
    issues.push(`${spec.path}.export: module ${specifier} has no function export '${exportName}'`);
    return undefined;
  }
  return value as AdapterFactory;
}
