import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
// Bundled into the build: the pin is known without jco on disk (a single executable has none).
import packageJson from '../../package.json' with { type: 'json' };

export const JCO_TRANSPILE = '@bytecodealliance/jco-transpile';

/**
 * The jco-transpile version this package pins exactly, as an optional peer dependency (a test
 * checks that the installed one is it), read from our own package.json rather than from jco's.
 */
export const jcoTranspileVersion: string = packageJson.peerDependencies[JCO_TRANSPILE];

/** jco-transpile cannot be found from this package, or is not the pinned version. */
export class TranspilerMissingError extends Error {
  override readonly name = 'TranspilerMissingError';
  readonly code = 'TRANSPILER_MISSING';
}

let located: string | undefined;

/**
 * The URL of jco-transpile's entry, as this package resolves it. jco (and binaryen, 90+ MB, with
 * it) is an optional peer: an app that only runs pre-transpiled or cached components need not
 * install it, so it is looked for only when a component must be transpiled. Throws
 * `TranspilerMissingError` when it is not installed, or installed at another version (the
 * artifacts' fingerprint names the pinned one).
 */
export function locateTranspiler(): string {
  if (located !== undefined) return located;
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve(JCO_TRANSPILE);
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'MODULE_NOT_FOUND') throw error;
    throw new TranspilerMissingError(
      `${JCO_TRANSPILE} is not installed; @keel/wasm-host needs it to transpile a component that is neither cached nor pre-transpiled: ${installCommand()} (or give the host pre-transpiled artifacts, made with embeddableArtifacts where it is installed)`,
    );
  }
  const version = installedVersion(entry);
  if (version !== jcoTranspileVersion) {
    throw new TranspilerMissingError(
      `${JCO_TRANSPILE} ${version ?? '(unknown version)'} is installed, but this @keel/wasm-host transpiles with exactly ${jcoTranspileVersion}: ${installCommand()}`,
    );
  }
  located = pathToFileURL(entry).href;
  return located;
}

function installCommand(): string {
  return `npm install ${JCO_TRANSPILE}@${jcoTranspileVersion}`;
}

/** The version in the package.json of the package that holds `entry` (jco does not export its package.json). */
function installedVersion(entry: string): string | undefined {
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    let manifest: { name?: unknown; version?: unknown };
    try {
      manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    } catch {
      continue;
    }
    if (manifest.name === JCO_TRANSPILE) return typeof manifest.version === 'string' ? manifest.version : undefined;
  }
  return undefined;
}
