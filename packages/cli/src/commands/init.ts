import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CliError, type CliIo, report, step } from '../cli-io.js';
import { type Template, templateFiles } from '../templates.js';
import { keelWitFiles } from '../keel-wit.js';
import { worldSource } from './build.js';

export interface InitOptions {
  readonly dir: string;
  readonly template: Template;
  readonly name?: string;
  readonly json: boolean;
}

/**
 * `keel component init <dir>`: a project that builds as it is — the world, a source, the
 * manifest — and, for JavaScript, the guest's TypeScript declarations generated from its world
 * (jco's guest types), so an author gets types for the keel imports.
 */
export async function initComponent(io: CliIo, o: InitOptions): Promise<void> {
  const dir = resolve(io.cwd, o.dir);
  if (existsSync(dir) && readdirSync(dir).length > 0)
    throw new CliError('NOT_EMPTY', `${o.dir} is not empty`, 'give a new folder, or empty this one first');
  const name = o.name ?? (dir.split(/[\\/]/).pop() as string).toLowerCase().replace(/[^a-z0-9.-]+/g, '-');
  if (!/^[a-z0-9][a-z0-9./-]{0,99}$/.test(name))
    throw new CliError(
      'INVALID_NAME',
      `'${name}' is not a component name`,
      'pass --name with lower-case letters, digits, - . /',
    );
  const files = templateFiles(o.template, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const written = Object.keys(files);
  if (o.template === 'js') {
    const types = await step(io, 'Generating guest types', () => guestTypes(dir, files['wit/world.wit'] as string));
    written.push(...types);
  }
  report(io, o.json, { dir, name, template: o.template, files: written }, `Created ${o.dir}: ${written.join(', ')}`);
}

/** jco's guest declarations for the world, written under `types/`. */
async function guestTypes(dir: string, world: string): Promise<string[]> {
  // jco's component API, with the WIT as a string: its path-reading tools have no filesystem.
  const { $init, generateTypes } = await import('@bytecodealliance/jco-transpile/component');
  await $init;
  const files = generateTypes('greeter', {
    wit: { tag: 'source', val: worldSource(keelWitFiles(), world) },
    world: 'greeter',
    guest: true,
  });
  const written: string[] = [];
  for (const [path, bytes] of files) {
    const target = join('types', path.replace(/^(\.\/|\/)+/, ''));
    mkdirSync(dirname(join(dir, target)), { recursive: true });
    writeFileSync(join(dir, target), bytes);
    written.push(target);
  }
  return written;
}
