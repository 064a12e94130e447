/**
 * Serialises one synchronous connection between async callers. better-sqlite3 has a single
 * connection, so a transaction is connection state: while one is open (the queue has an
 * owner), a statement on the database or another `begin` would run inside it. Such work waits
 * here, first come first served, and runs when the owner releases the queue.
 *
 * With nothing open or waiting, work runs at once and synchronously, so the common case costs
 * one property check.
 */
export class TransactionQueue {
  private owner: object | undefined;
  private waiting: ((() => void) | undefined)[] = [];
  private head = 0;

  /** Nothing is open and nothing waits: work may run now. */
  get idle(): boolean {
    return this.owner === undefined && this.head === this.waiting.length;
  }

  get open(): boolean {
    return this.owner !== undefined;
  }

  /** How many calls wait for their turn. */
  get waitingCount(): number {
    return this.waiting.length - this.head;
  }

  /** Runs `work` when its turn comes; `work` may `take` the queue (it starts a transaction). */
  wait<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push(() => {
        try {
          resolve(work());
        } catch (thrown) {
          reject(thrown);
        }
      });
    });
  }

  /** Makes `owner` (an open transaction) hold the queue until `release`. */
  take(owner: object): void {
    if (this.owner !== undefined) throw new Error('sqlite queue: taken twice');
    this.owner = owner;
  }

  /** Ends `owner`'s hold and runs the waiting work up to the next transaction. */
  release(owner: object): void {
    if (this.owner !== owner) return;
    this.owner = undefined;
    this.pump();
  }

  private pump(): void {
    while (this.owner === undefined && this.head < this.waiting.length) {
      const next = this.waiting[this.head] as () => void;
      this.waiting[this.head++] = undefined;
      next();
    }
    if (this.head === this.waiting.length) {
      this.waiting = [];
      this.head = 0;
    }
  }
}
