import { parseArgs } from 'node:util';
import { CliError, type CliIo } from './cli-io.js';
import { buildComponent } from './commands/build.js';
import { initComponent } from './commands/init.js';
import { keygen, signComponent } from './commands/keys.js';
import { activate, list, logs, pull, push } from './commands/registry-commands.js';
import { testComponent } from './commands/test-run.js';

export const usage = `Usage: keel <command>

  keel component init <dir> [--template wat|js] [--name <name>]   a new component project
  keel component build [dir]                                      build it (dist/<name>.wasm)
  keel component test <file.wasm> <export> [json args…] [--grants <json>] [--mode isolated|in-thread]
  keel component keygen --out <name>                              an ed25519 key pair
  keel component sign <file.wasm> --key <name>.key                writes <file.wasm>.sig
  keel component push <file.wasm> [name@version] --db <db>|--url <url> [--signature <file.sig> --signer <s>] [--trust <s>=<file.pub>]…
  keel component list --db <db>|--url <url> [--search <text>]
  keel component pull <name@version> --db <db>|--url <url> [--out <file>]
  keel component activate <name@version> --db <db>|--url <url>
  keel component logs --db <db>|--url <url> [--component <name>[@version]] [--limit <n>]
  keel sea <entry> --out <file> …                                  one executable (see @keel/sea)

  --db       a SQLite file or a postgres:// URL: the app's database, where its registry lives
  --url      the app's console API (@keel/console), e.g. https://app.example.com/console, instead of --db;
             the token comes from KEEL_TOKEN (or --token): a session or API token with the permissions
  --json     print the result as one JSON line (for scripts)
  --actor    who is acting, for the registry's audit trail`;

const options = {
  template: { type: 'string' },
  name: { type: 'string' },
  grants: { type: 'string' },
  mode: { type: 'string' },
  out: { type: 'string', short: 'o' },
  key: { type: 'string' },
  db: { type: 'string' },
  url: { type: 'string' },
  token: { type: 'string' },
  signature: { type: 'string' },
  signer: { type: 'string' },
  trust: { type: 'string', multiple: true },
  search: { type: 'string' },
  component: { type: 'string' },
  limit: { type: 'string' },
  actor: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * The `keel` command: runs one command and returns the process's exit code — 0 done, 1 a
 * failure the message explains (with its fix), 2 a usage mistake.
 *
 * @example
 * process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() });
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [group, command, ...rest] = argv;
  if (group === 'sea') {
    const { seaCommand } = await import('@keel/sea');
    return seaCommand(argv.slice(1));
  }
  if (group !== 'component' || command === undefined || command === '--help' || command === '-h') {
    io[group === undefined || group === '--help' || group === '-h' ? 'stdout' : 'stderr'].write(`${usage}\n`);
    return group === undefined || group === '--help' || group === '-h' ? 0 : 2;
  }
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: typeof options }>>;
  try {
    parsed = parseArgs({ args: rest, allowPositionals: true, options });
  } catch (error) {
    io.stderr.write(`keel component ${command}: ${(error as Error).message}\n\n${usage}\n`);
    return 2;
  }
  const { values: v, positionals: p } = parsed;
  const json = v.json ?? false;
  try {
    switch (command) {
      case 'init': {
        const template = v.template ?? 'wat';
        if (template !== 'wat' && template !== 'js')
          throw new CliError(
            'INVALID_ARGUMENT',
            `--template ${template} is not a template`,
            'use --template wat or js',
          );
        if (!p[0]) return usageError(io, 'init needs a folder');
        await initComponent(io, { dir: p[0], template, ...(v.name ? { name: v.name } : {}), json });
        return 0;
      }
      case 'build':
        await buildComponent(io, { dir: p[0] ?? '.', json });
        return 0;
      case 'test': {
        const [file, exportName, ...args] = p;
        if (!file || !exportName) return usageError(io, 'test needs a component file and an export');
        return await testComponent(io, { file, exportName, args, ...pick(v, 'grants', 'mode'), json });
      }
      case 'keygen':
        if (!v.out) return usageError(io, 'keygen needs --out <name>');
        keygen(io, { out: v.out, json });
        return 0;
      case 'sign':
        if (!p[0] || !v.key) return usageError(io, 'sign needs a component file and --key');
        signComponent(io, { file: p[0], key: v.key, json });
        return 0;
      case 'push':
        if (!p[0]) return usageError(io, 'push needs a component file');
        await push(io, {
          file: p[0],
          ...(p[1] ? { spec: p[1] } : {}),
          ...pick(v, 'db', 'url', 'token', 'signature', 'signer', 'trust', 'actor'),
          json,
        });
        return 0;
      case 'list':
        await list(io, { ...pick(v, 'db', 'url', 'token', 'search'), json });
        return 0;
      case 'pull':
        if (!p[0]) return usageError(io, 'pull needs name@version');
        await pull(io, { spec: p[0], ...pick(v, 'db', 'url', 'token', 'out'), json });
        return 0;
      case 'activate':
        if (!p[0]) return usageError(io, 'activate needs name@version');
        await activate(io, { spec: p[0], ...pick(v, 'db', 'url', 'token', 'actor', 'trust'), json });
        return 0;
      case 'logs':
        await logs(io, { ...pick(v, 'db', 'url', 'token', 'component', 'limit'), json });
        return 0;
      default:
        return usageError(io, `unknown command '${command}'`);
    }
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    if (json)
      io.stdout.write(`${JSON.stringify({ error: { code: error.code, message: error.message, fix: error.fix } })}\n`);
    io.stderr.write(`keel component ${command}: ${error.message}${error.fix ? `\n  fix: ${error.fix}` : ''}\n`);
    return 1;
  }
}

function usageError(io: CliIo, problem: string): number {
  io.stderr.write(`keel component: ${problem}\n\n${usage}\n`);
  return 2;
}

/** The given flags that are set, as an object without `undefined`s (exactOptionalPropertyTypes). */
function pick<T extends Record<string, unknown>, K extends keyof T>(values: T, ...keys: K[]) {
  const out: Partial<Record<K, Exclude<T[K], undefined>>> = {};
  for (const k of keys) if (values[k] !== undefined) out[k] = values[k] as Exclude<T[K], undefined>;
  return out as { [P in K]?: Exclude<T[P], undefined> };
}
