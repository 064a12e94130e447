/** A min-heap of (expiry time, key): the sweep pops what is due without walking every key. */
export class ExpiryHeap {
  private readonly times: number[] = [];
  private readonly keys: string[] = [];

  get size(): number {
    return this.times.length;
  }

  push(time: number, key: string): void {
    let i = this.times.length;
    this.times.push(time);
    this.keys.push(key);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((this.times[parent] as number) <= time) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  /** The earliest expiry time, or `Infinity` when empty. */
  peekTime(): number {
    return this.times[0] ?? Number.POSITIVE_INFINITY;
  }

  /** Removes and returns the earliest (time, key). Call only when not empty. */
  pop(): [number, string] {
    const top: [number, string] = [this.times[0] as number, this.keys[0] as string];
    const lastTime = this.times.pop() as number;
    const lastKey = this.keys.pop() as string;
    if (this.times.length > 0) {
      this.times[0] = lastTime;
      this.keys[0] = lastKey;
      this.siftDown(0);
    }
    return top;
  }

  clear(): void {
    this.times.length = 0;
    this.keys.length = 0;
  }

  private siftDown(i: number): void {
    const n = this.times.length;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < n && (this.times[left] as number) < (this.times[smallest] as number)) smallest = left;
      if (right < n && (this.times[right] as number) < (this.times[smallest] as number)) smallest = right;
      if (smallest === i) return;
      this.swap(i, smallest);
      i = smallest;
    }
  }

  private swap(a: number, b: number): void {
    [this.times[a], this.times[b]] = [this.times[b] as number, this.times[a] as number];
    [this.keys[a], this.keys[b]] = [this.keys[b] as string, this.keys[a] as string];
  }
}
