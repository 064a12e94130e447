import { readFile } from 'node:fs/promises';
import { KeelConfigError } from '../errors/keel-error.js';
import type { KeelConfig } from './config-types.js';

/**
 * Reads a config from a JSON file. The result is validated by `createKeel` like any other
 * config; a file that is missing or not valid JSON throws a `KeelConfigError` naming the file.
 *
 * @example
 * const keel = await createKeel(await loadConfig('./keel.config.json'));
 */
export async function loadConfig(file: string): Promise<KeelConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new KeelConfigError([
      `${file}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    ]);
  }
  try {
    return JSON.parse(text) as KeelConfig;
  } catch (error) {
    throw new KeelConfigError([`${file}: not valid JSON (${(error as Error).message})`]);
  }
}
