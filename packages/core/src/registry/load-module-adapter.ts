import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as v from 'valibot';
import type { InterfaceName } from '../config/config-types.js';
import { type AdapterDefinition, isAdapterDefinition } from './adapter-definition.js';

/**
 * Loads the adapter that config names by `module` (a package or a path relative to the working
 * directory, resolved the way the app would). Its export is an adapter definition, or a plain
 * factory `(options, context) => instance` that checks its own options. Returns a problem
 * message instead when it cannot.
 */
export async function loadModuleAdapter(
  iface: InterfaceName,
  id: string,
  specifier: string,
  exportName: string,
): Promise<AdapterDefinition | string> {
  let url: string;
  try {
    url =
      specifier.startsWith('.') || isAbsolute(specifier)
        ? pathToFileURL(resolve(specifier)).href
        : pathToFileURL(createRequire(join(process.cwd(), 'package.json')).resolve(specifier)).href;
  } catch {
    return `module ${specifier} is not installed (npm install ${specifier})`;
  }
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(url)) as Record<string, unknown>;
  } catch (error) {
    return `loading ${specifier} failed: ${(error as Error).message}`;
  }
  const value = loaded[exportName];
  if (isAdapterDefinition(value)) return value;
  if (typeof value !== 'function')
    return `module ${specifier} has no adapter definition or factory export '${exportName}'`;
  const factory = value as AdapterDefinition['create'];
  return { interface: iface, id, options: v.unknown(), create: (options, context) => factory(options, context) };
}
