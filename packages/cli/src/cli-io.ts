/** Where a command writes: the process's streams, or a test's buffers. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown; isTTY?: boolean };
  readonly cwd: string;
  /** The environment (`KEEL_TOKEN`); `process.env` when absent. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * A failure the user can fix: a stable code, what went wrong, and what to do about it. Every
 * expected failure of a command is one of these; anything else is a bug and prints its stack.
 */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    readonly code: string,
    message: string,
    /** The fix, one line: a command to run or a flag to pass. */
    readonly fix?: string,
  ) {
    super(message);
  }
}

/** Prints a command's result: the value as one JSON line with `--json`, else the human text. */
export function report(io: CliIo, json: boolean, value: unknown, human: string): void {
  io.stdout.write(json ? `${JSON.stringify(value, jsonSafe)}\n` : `${human}\n`);
}

/** A long step on stderr: `label …` then `✓ 1.2s`, so stdout stays the result alone. */
export async function step<T>(io: CliIo, label: string, run: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  io.stderr.write(`${label} …${io.stderr.isTTY ? '' : '\n'}`);
  const value = await run();
  const took = `✓ ${((performance.now() - t0) / 1000).toFixed(1)}s\n`;
  io.stderr.write(io.stderr.isTTY ? ` ${took}` : `${label} ${took}`);
  return value;
}

/** JSON for what commands print: bigints as decimal strings, bytes as base64. */
export function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return value;
}
