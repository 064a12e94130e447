import { findExecutable } from './find-executable.js';

export interface OsUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

/**
 * The argv that runs a server command as `user` (when given), dying with its parent: under
 * `setpriv --pdeathsig KILL` the kernel kills the server when the test process dies, even by
 * SIGKILL, so no server outlives its test run. setpriv execs the command (same pid), unlike
 * runuser or su, which stay as the parent — a SIGKILL must reach the server itself.
 */
export function serverCommand(command: string, args: readonly string[], user?: OsUser): [string, string[]] {
  const setpriv = findExecutable('setpriv');
  if (!setpriv) {
    if (user) throw new Error(`running ${command} as ${user.name} needs setpriv (util-linux)`);
    return [command, [...args]];
  }
  const as = user ? ['--reuid', String(user.uid), '--regid', String(user.gid), '--init-groups'] : [];
  return [setpriv, [...as, '--pdeathsig', 'KILL', '--', command, ...args]];
}
