/**
 * A keyed async mutex: at most one holder per key, waiters served first come, first served.
 * LevelDB has no transactions, so every write to a key — including the read that decides it,
 * as in increment and compare-and-swap — runs while holding the key. LevelDB's folder lock
 * keeps other processes out, so a lock in this process is all the serialisation needed.
 *
 * An uncontended key is taken synchronously: no promise is made until someone has to wait.
 *
 * @example
 * const locks = new KeyLock();
 * const next = await locks.run('hits', async () => { const n = read() + 1; await write(n); return n; });
 */
export class KeyLock {
  /** A key is held while it is in the map; its array holds the waiters' wake-ups, in order. */
  private readonly held = new Map<string, (() => void)[]>();

  /** How many keys are held right now. */
  get size(): number {
    return this.held.size;
  }

  /** Runs `fn` while holding `key`, and releases the key when its result settles. */
  run<T>(key: string, fn: () => T | PromiseLike<T>): Promise<T> {
    const queue = this.held.get(key);
    if (queue === undefined) {
      this.held.set(key, []);
      return this.holding([key], fn);
    }
    return new Promise<void>((wake) => queue.push(wake)).then(() => this.holding([key], fn));
  }

  /**
   * Runs `fn` while holding every key of `keys`, which must be distinct. When all are free they
   * are taken at once; otherwise one by one in sorted order, so two multi-key calls can never
   * each wait for a key the other holds (a call that took its keys at once never waits at all).
   */
  async runAll<T>(keys: readonly string[], fn: () => T | PromiseLike<T>): Promise<T> {
    if (keys.every((key) => !this.held.has(key))) {
      for (const key of keys) this.held.set(key, []);
      return this.holding(keys, fn);
    }
    const sorted = [...keys].sort();
    for (const key of sorted) {
      const queue = this.held.get(key);
      if (queue === undefined) this.held.set(key, []);
      else await new Promise<void>((wake) => queue.push(wake));
    }
    return this.holding(sorted, fn);
  }

  /** Takes `key` only if nobody holds it; the caller must `release` it. */
  tryAcquire(key: string): boolean {
    if (this.held.has(key)) return false;
    this.held.set(key, []);
    return true;
  }

  /** Hands `key` to the next waiter, or frees it. */
  release(key: string): void {
    const queue = this.held.get(key);
    const next = queue?.shift();
    if (next) next();
    else this.held.delete(key);
  }

  private holding<T>(keys: readonly string[], fn: () => T | PromiseLike<T>): Promise<T> {
    const releaseAll = () => {
      for (const key of keys) this.release(key);
    };
    let result: T | PromiseLike<T>;
    try {
      result = fn();
    } catch (thrown) {
      releaseAll();
      return Promise.reject(thrown);
    }
    return Promise.resolve(result).finally(releaseAll);
  }
}
