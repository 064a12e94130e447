import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { findExecutable } from './find-executable.js';
import type { OsUser } from './server-command.js';

/** Where this machine's PostgreSQL server binaries are, and the OS user to run them as. */
export interface PostgresInstall {
  readonly bin: string;
  /** Set when the tests run as root, which PostgreSQL refuses to run as: the `postgres` user. */
  readonly user?: OsUser;
}

const debianRoot = '/usr/lib/postgresql';

/** The install, or why there is none usable. */
export function findPostgres(): PostgresInstall | string {
  const bin = newestDebianBin() ?? pathBin();
  if (!bin) return `no PostgreSQL server binaries (initdb, postgres) in ${debianRoot}/<version>/bin or on PATH`;
  if (process.getuid?.() !== 0) return { bin };
  const user = osUser('postgres');
  if (!user) return 'running as root, which PostgreSQL refuses, and there is no `postgres` OS user to run it as';
  if (!findExecutable('setpriv')) return 'running as root and no setpriv (util-linux) to run PostgreSQL as `postgres`';
  return { bin, user };
}

function newestDebianBin(): string | undefined {
  if (!existsSync(debianRoot)) return undefined;
  const versions = readdirSync(debianRoot)
    .filter((name) => /^\d+(\.\d+)?$/.test(name))
    .sort((a, b) => Number(b) - Number(a));
  return versions.map((v) => join(debianRoot, v, 'bin')).find(hasServer);
}

function pathBin(): string | undefined {
  const initdb = findExecutable('initdb');
  return initdb && hasServer(dirname(initdb)) ? dirname(initdb) : undefined;
}

function hasServer(bin: string): boolean {
  return ['initdb', 'postgres', 'pg_isready'].every((name) => existsSync(join(bin, name)));
}

function osUser(name: string): OsUser | undefined {
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, name], { encoding: 'utf8' }).trim());
    return { name, uid: id('-u'), gid: id('-g') };
  } catch {
    return undefined;
  }
}
