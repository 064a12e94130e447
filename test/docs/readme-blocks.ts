import { existsSync, readdirSync, readFileSync } from 'node:fs';

/** A TypeScript code block of a README. */
export interface ReadmeBlock {
  /** `packages/core/README.md:42` (the line of the opening fence). */
  readonly where: string;
  readonly readme: string;
  readonly code: string;
  /** Marked ```ts run: the test runs it, not only type-checks it. */
  readonly run: boolean;
}

/** Every README in the repository that users read. */
export function readmes(root: string): string[] {
  const nested = ['packages', 'examples'].flatMap((folder) =>
    readdirSync(`${root}/${folder}`).map((name) => `${folder}/${name}/README.md`),
  );
  return ['README.md', 'bench/README.md', ...nested].filter((f) => existsSync(`${root}/${f}`)).sort();
}

/** The ```ts blocks of one README; the info string `ts run` marks a block the test also runs. */
export function tsBlocks(root: string, readme: string): ReadmeBlock[] {
  const lines = readFileSync(`${root}/${readme}`, 'utf8').split('\n');
  const blocks: ReadmeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(ts|typescript)(\s+run)?\s*$/.exec(lines[i] as string);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !(lines[i] as string).startsWith('```'); i++) body.push(lines[i] as string);
    blocks.push({ where: `${readme}:${start + 1}`, readme, code: body.join('\n'), run: open[2] !== undefined });
  }
  return blocks;
}
