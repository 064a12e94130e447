import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CliError, type CliIo, report, step } from '../cli-io.js';
import { keelWitFiles } from '../keel-wit.js';
import { type ComponentManifest, manifestFile } from '../templates.js';

/** The keel interfaces as one WIT source (one `package` line), with the project's world after them. */
export function worldSource(files: { text: string }[], world: string): string {
  let seen = false;
  const keel = files
    .map((f) =>
      f.text.replace(/^package\s+[^;]+;\s*$/m, (line) => {
        if (seen) return '';
        seen = true;
        return line;
      }),
    )
    .join('\n');
  return `${keel}\n${world}`;
}

/**
 * The combined world as a file, for the tools that read WIT from a path (componentize-js, jco's
 * type generation): `.keel/world.wit` in the project, rewritten on each use.
 */
export function combinedWorldFile(dir: string, world: string): string {
  const path = join(dir, '.keel', 'world.wit');
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, worldSource(keelWitFiles(), world));
  return path;
}

/** The project's manifest, or a clear error when the folder is not a component project. */
export function readManifest(dir: string): ComponentManifest {
  const path = join(dir, manifestFile);
  if (!existsSync(path))
    throw new CliError(
      'NO_PROJECT',
      `no ${manifestFile} in ${dir}`,
      'run it in a folder made by `keel component init`',
    );
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as ComponentManifest;
  } catch (error) {
    throw new CliError('BAD_MANIFEST', `${manifestFile}: ${(error as Error).message}`, 'fix the JSON');
  }
}

/**
 * `keel component build`: WAT with jco's wasm-tools (parse → embed the world → component),
 * JavaScript with componentize-js — an optional install (12 MB, 15–35 s a build), asked for by name
 * when missing.
 */
export async function buildComponent(io: CliIo, o: { dir: string; json: boolean }): Promise<void> {
  const dir = resolve(io.cwd, o.dir);
  const m = readManifest(dir);
  const world = readFileSync(join(dir, 'wit/world.wit'), 'utf8');
  const witSource = worldSource(keelWitFiles(), world);
  const source = join(dir, m.source);
  const bytes = await step(io, `Building ${m.name} (${m.template})`, () =>
    m.template === 'js'
      ? componentizeJs(source, combinedWorldFile(dir, world), m.world)
      : assembleWat(source, witSource, m.world),
  );
  const out = join(dir, m.out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, bytes);
  const { createHash } = await import('node:crypto');
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  report(
    io,
    o.json,
    { out, bytes: bytes.byteLength, sha256 },
    `Built ${m.out}: ${bytes.byteLength} bytes, sha256 ${sha256}`,
  );
}

async function assembleWat(source: string, witSource: string, world: string): Promise<Uint8Array> {
  const { parse, componentEmbed, componentNew } = await import('@bytecodealliance/jco-transpile/wasm-tools');
  try {
    const core = await parse(readFileSync(source, 'utf8'));
    const embedded = await componentEmbed({ binary: core, witSource, world, stringEncoding: 'utf8' });
    return await componentNew(embedded, []);
  } catch (error) {
    throw new CliError(
      'BUILD_FAILED',
      `${source}: ${String((error as Error).message ?? error)}`,
      'fix the WAT or the world',
    );
  }
}

async function componentizeJs(source: string, witPath: string, world: string): Promise<Uint8Array> {
  let componentize: (o: Record<string, unknown>) => Promise<{ component: Uint8Array }>;
  try {
    const name = '@bytecodealliance/componentize-js';
    ({ componentize } = (await import(name)) as { componentize: typeof componentize });
  } catch {
    throw new CliError(
      'COMPONENTIZE_MISSING',
      'building a JavaScript component needs @bytecodealliance/componentize-js, which is not installed',
      "npm install -D @bytecodealliance/componentize-js@0.23.0 (on Node 20 also the override '@napi-rs/lzma': '1.4.5')",
    );
  }
  const { component } = await componentize({
    sourcePath: source,
    witPath,
    worldName: world,
    disableFeatures: ['http', 'fetch-event'],
  });
  return component;
}
