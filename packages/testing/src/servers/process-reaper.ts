import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

// What a test process started and has not cleaned up yet. A test that forgets `stop()` must
// not leave a server running or a folder behind: the exit hook below kills and removes them.
// (If the test process itself is SIGKILLed, the servers still die: they run under
// `setpriv --pdeathsig KILL`, see server-command.ts.)
const children = new Set<ChildProcess>();
const folders = new Set<string>();
let hooked = false;

export function trackChild(child: ChildProcess): void {
  hook();
  children.add(child);
  child.once('exit', () => children.delete(child));
}

export function trackFolder(folder: string): void {
  hook();
  folders.add(folder);
}

export function removeFolder(folder: string): void {
  rmSync(folder, { recursive: true, force: true, maxRetries: 5 });
  folders.delete(folder);
}

function hook(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const folder of folders) {
      try {
        rmSync(folder, { recursive: true, force: true, maxRetries: 5 });
      } catch {
        // Exiting anyway: a folder a dying server still writes to is left to the OS's tmp cleaning.
      }
    }
  });
}
