/**
 * A keyed async mutex: one holder per key, waiters in order. It serialises the commit of writes
 * and deletes to one key within this process, so that a condition (`ifMatch`, `ifAbsent`) is
 * checked and acted on with no other writer in between, and so that the blob a commit replaces
 * is the one it read.
 *
 * @example
 * await locks.run('box/k', async () => { check(); await commit(); });
 */
export class KeyLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(fn, fn);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
