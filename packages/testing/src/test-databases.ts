import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testPostgres } from './servers/machine-servers.js';

/** A database the tests (and their child processes) share: a SQLite file or a PostgreSQL URL. */
export interface TestDatabaseTarget {
  readonly name: 'SQLite' | 'PostgreSQL';
  /** What a child process gets on its command line: a file name or a `postgres://` URL. */
  readonly target: string;
}

/**
 * The databases a platform package's tests run every body on: a fresh SQLite file and, when the
 * machine's PostgreSQL can be reached, a fresh database on it (else `skipped` says why; under
 * `CI` that is a failure, see `testPostgres`). Opening them is the caller's: this floor knows no
 * adapter. `cleanup` drops the PostgreSQL database and removes the folder.
 */
export async function testDatabaseTargets(label: string): Promise<{
  readonly databases: TestDatabaseTarget[];
  readonly skipped: string | undefined;
  cleanup(): Promise<void>;
}> {
  const dir = mkdtempSync(join(tmpdir(), `keel-${label}-`));
  const databases: TestDatabaseTarget[] = [{ name: 'SQLite', target: join(dir, `${label}.sqlite`) }];
  const pg = await testPostgres();
  if (pg.server) databases.push({ name: 'PostgreSQL', target: await pg.server.database(label) });
  return {
    databases,
    skipped: pg.skip,
    async cleanup() {
      await pg.server?.cleanup();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls `check` every 5 ms until it gives something other than `undefined` or `false`, and
 * returns that; throws after `ms`, naming `what` when given.
 */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  ms = 10_000,
  what = 'the condition',
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`${what} still did not hold after ${ms} ms`);
    await sleep(5);
  }
}
