import { parseArgs } from 'node:util';
import { buildSea } from './build-sea.js';
import { SeaBuildError } from './sea-build-error.js';

export const seaUsage = `Usage: keel sea <entry> --out <file> [--asset <path>]... [--node <binary>] [--no-strip] [--external <pkg>]...

Bundles the app at <entry> into one executable: the app as CommonJS, its native addons and
the given assets embedded, injected into a copy of node.`;

/**
 * \`keel sea …\` (the arguments after \`sea\`): builds the executable, reporting progress on stderr.
 * Returns the exit code: 0 built, 1 failed (the message says why), 2 a usage mistake.
 *
 * @example
 * process.exitCode = await seaCommand(['src/server.ts', '--out', 'dist/app']);
 */
export async function seaCommand(args: readonly string[]): Promise<number> {
  const argsConfig = {
    args: [...args],
    allowPositionals: true,
    options: {
      out: { type: 'string', short: 'o' },
      asset: { type: 'string', multiple: true },
      node: { type: 'string' },
      'no-strip': { type: 'boolean' },
      external: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  } as const;
  let parsed: ReturnType<typeof parseArgs<typeof argsConfig>>;
  try {
    parsed = parseArgs(argsConfig);
  } catch (error) {
    console.error(`keel sea: ${(error as Error).message}\n\n${seaUsage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length !== 1 || !values.out) {
    console.error(seaUsage);
    return values.help ? 0 : 2;
  }

  const tty = process.stderr.isTTY;
  try {
    const result = await buildSea({
      entry: positionals[0] as string,
      out: values.out,
      assets: values.asset ?? [],
      strip: !values['no-strip'],
      external: values.external ?? [],
      ...(values.node ? { node: values.node } : {}),
      onProgress: ({ step, steps, label, ms }) => {
        const line = `[${step}/${steps}] ${label}`;
        if (ms === undefined) process.stderr.write(tty ? `${line} …` : `${line} …\n`);
        else
          process.stderr.write(
            tty ? `\r${line} ✓ ${(ms / 1000).toFixed(1)}s\n` : `${line} ✓ ${(ms / 1000).toFixed(1)}s\n`,
          );
      },
    });
    const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
    console.error(
      `Built ${result.out}: ${mib(result.bytes)} (bundle ${mib(result.bundleBytes)}, ${result.addons.length} native addon(s), ` +
        `${Object.keys(result.assets).length} asset(s)${result.components.length > 0 ? `, ${result.components.length} wasm component(s) transpiled` : ''}` +
        `${result.stripped ? ', stripped' : ''}) in ${(result.ms / 1000).toFixed(1)}s`,
    );
  } catch (error) {
    console.error(`\nkeel sea: ${error instanceof SeaBuildError ? error.message : (error as Error).stack}`);
    return 1;
  }
  return 0;
}
