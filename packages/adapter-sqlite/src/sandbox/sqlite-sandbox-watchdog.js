// @ts-check
// A backstop for the sandbox's process. The parent kills it at each statement's deadline; but
// if the parent itself dies (or stalls) while a statement runs forever, nothing would. This
// thread, which SQLite does not block, ends the process when the parent is gone or a statement
// has run a second past its deadline.
import { Worker } from 'node:worker_threads';

const source = `
const { workerData } = require('node:worker_threads');
const overdueAt = new Float64Array(workerData.shared);
const parent = workerData.parent;
const parentAlive = () => {
  try {
    process.kill(parent, 0);
    return true;
  } catch {
    return false;
  }
};
setInterval(() => {
  const overdue = overdueAt[0] > 0 && Date.now() > overdueAt[0];
  if (overdue || !parentAlive()) process.kill(process.pid, 'SIGKILL');
}, 250);
`;

/** Grace past the deadline before the process ends itself: the parent's kill comes first. */
const graceMs = 1000;

/**
 * Starts the watchdog thread; `arm(deadlineMs)` before a request, `disarm()` after it.
 * @returns {{ arm(deadlineMs: number): void, disarm(): void }}
 */
export function startWatchdog() {
  const shared = new SharedArrayBuffer(8);
  const overdueAt = new Float64Array(shared);
  const worker = new Worker(source, { eval: true, workerData: { shared, parent: process.ppid } });
  worker.unref();
  return {
    arm(deadlineMs) {
      overdueAt[0] = deadlineMs > 0 ? Date.now() + deadlineMs + graceMs : 0;
    },
    disarm() {
      overdueAt[0] = 0;
    },
  };
}
