import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// What a test process started and has not cleaned up yet. A test that forgets `stop()` must
// not leave a server running or a folder behind: the exit and signal hooks below kill the
// servers and remove the process's one temp folder, which holds every server's folder.
// (If the test process itself is SIGKILLed, the servers still die: they run under
// `setpriv --pdeathsig KILL`, see server-command.ts.)
const children = new Set<ChildProcess>();
let processFolder: string | undefined;

export function trackChild(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
}

/** A fresh folder inside this process's temp folder (`<tmp>/keel-servers-XXXXXX/<prefix>XXXXXX`). */
export function newFolder(prefix: string): string {
  if (!processFolder) {
    processFolder = mkdtempSync(join(tmpdir(), 'keel-servers-'));
    // Servers may run as another OS user (PostgreSQL as `postgres`): they must reach their folder.
    chmodSync(processFolder, 0o711);
    hook();
  }
  return mkdtempSync(join(processFolder, prefix));
}

export function removeFolder(folder: string): void {
  rmSync(folder, { recursive: true, force: true, maxRetries: 5 });
}

function hook(): void {
  process.once('exit', cleanUp);
  // Vitest ends its worker processes with SIGTERM, which skips 'exit' handlers. Clean up, then
  // die of the signal as before — unless someone else handles it, as signal-exit does.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    const onSignal = () => {
      cleanUp();
      if (process.listenerCount(signal) > 1) return;
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

function cleanUp(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
  if (!processFolder) return;
  try {
    rmSync(processFolder, { recursive: true, force: true, maxRetries: 5 });
  } catch {
    // Exiting anyway: a folder a dying server still writes to is left to the OS's tmp cleaning.
  }
}
