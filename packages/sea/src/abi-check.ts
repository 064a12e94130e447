import { spawnSync } from 'node:child_process';
import { basename } from 'node:path';
import { SeaBuildError } from './sea-build-error.js';

/**
 * Loads every addon into the target node binary before anything is written, so that an ABI
 * mismatch is a clear build error rather than a crash at the user's first start.
 */
export function checkAddonAbi(nodeBinary: string, addons: readonly string[]): void {
  if (addons.length === 0) return;
  const probe =
    'for (const f of JSON.parse(process.argv[1])) { try { process.dlopen({ exports: {} }, f) } catch (e) { console.error(JSON.stringify({ f, m: e.message })); process.exit(3) } } console.log(process.versions.modules)';
  const child = spawnSync(nodeBinary, ['-e', probe, JSON.stringify(addons)], { encoding: 'utf8', timeout: 60_000 });
  if (child.error) throw new SeaBuildError(`cannot run the node binary ${nodeBinary}: ${child.error.message}`);
  if (child.status === 0) return;
  const failure = parseFailure(child.stderr);
  throw new SeaBuildError(abiMessage(nodeBinary, failure.file, failure.message));
}

/** The message for an addon that the target node cannot load; names both ABI versions when Node said them. */
export function abiMessage(nodeBinary: string, file: string, loaderMessage: string): string {
  const versions = /NODE_MODULE_VERSION (\d+)[\s\S]*NODE_MODULE_VERSION (\d+)/.exec(loaderMessage);
  if (versions) {
    return (
      `native addon ${basename(file)} was built for NODE_MODULE_VERSION ${versions[1]}, but ${nodeBinary} needs ` +
      `NODE_MODULE_VERSION ${versions[2]}. Rebuild the addon with that node (for example \`npm rebuild\` run by it), or pass --node with a binary of the addon's version.`
    );
  }
  return `native addon ${basename(file)} cannot be loaded by ${nodeBinary}: ${loaderMessage}`;
}

function parseFailure(stderr: string): { file: string; message: string } {
  for (const line of stderr.split('\n')) {
    try {
      const { f, m } = JSON.parse(line) as { f: string; m: string };
      return { file: f, message: m };
    } catch {
      // not the probe's line
    }
  }
  return { file: '(unknown)', message: stderr.trim() };
}
