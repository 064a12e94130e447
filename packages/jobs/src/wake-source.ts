/**
 * Wakes this process's idle workers when a job of their name may be due, so a job enqueued
 * outside a transaction starts without waiting for the next poll. This is the one place a
 * database notification source (PostgreSQL `LISTEN`, once the sql contract has it) plugs in:
 * it would call `wake(name)` for jobs other processes enqueued.
 *
 * @example
 * const wakeups = localWakeups();
 * const off = wakeups.subscribe('digest.send', () => worker.poke());
 * wakeups.wake('digest.send');
 */
export interface LocalWakeups {
  subscribe(name: string, wake: () => void): () => void;
  wake(name: string): void;
}

export function localWakeups(): LocalWakeups {
  const listeners = new Map<string, Set<() => void>>();
  return {
    subscribe(name, wake) {
      const set = listeners.get(name) ?? new Set();
      listeners.set(name, set.add(wake));
      return () => set.delete(wake);
    },
    wake(name) {
      for (const wake of listeners.get(name) ?? []) wake();
    },
  };
}
