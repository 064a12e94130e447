import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Imports a package or a path the way the app would: a relative path is taken from the working
 * directory, and a package that core itself cannot see (a strict pnpm layout) is resolved from
 * the app's directory. Returns `undefined` when the module is not installed.
 */
export async function importModule(specifier: string, load?: () => Promise<unknown>): Promise<unknown> {
  if (specifier.startsWith('.') || isAbsolute(specifier)) {
    return import(pathToFileURL(resolve(specifier)).href);
  }
  try {
    return await (load ? load() : import(specifier));
  } catch (error) {
    if (!isNotFound(error, specifier)) throw error;
  }
  let resolved: string;
  try {
    resolved = createRequire(join(process.cwd(), 'package.json')).resolve(specifier);
  } catch {
    return undefined;
  }
  return import(pathToFileURL(resolved).href);
}

function isNotFound(error: unknown, specifier: string): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    String((error as Error).message).includes(specifier)
  );
}
