/**
 * What a sql adapter works out once per statement text (a prepared statement, a rewritten one),
 * kept for reuse, least recently used dropped first. A hit only stamps the entry with a counter
 * (moving it in the map on every hit costs more than the lookup); the oldest stamp is found when
 * a new statement needs room, which is rare once an app is warm. The statement run last is
 * checked before the map, so a loop over one statement costs one string comparison.
 *
 * @example
 * const cache = new StatementCache(500, (text) => db.prepare(text));
 * cache.get('SELECT * FROM t WHERE id = ?').get(1);
 */
export class StatementCache<T> {
  private readonly entries = new Map<string, { readonly value: T; used: number }>();
  private lastText: string | undefined;
  private last: { readonly value: T; used: number } | undefined;
  private clock = 0;

  /** `capacity` 0 works the statement out on every call. */
  constructor(
    readonly capacity: number,
    private readonly make: (text: string) => T,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(text: string): T {
    if (text === this.lastText && this.last !== undefined) {
      this.last.used = ++this.clock;
      return this.last.value;
    }
    let entry = this.entries.get(text);
    if (!entry) {
      const value = this.make(text);
      if (this.capacity === 0) return value;
      if (this.entries.size >= this.capacity) this.evictOldest();
      entry = { value, used: 0 };
      this.entries.set(text, entry);
    }
    entry.used = ++this.clock;
    this.lastText = text;
    this.last = entry;
    return entry.value;
  }

  /** Forgets every statement (after a schema change, for one). */
  clear(): void {
    this.entries.clear();
    this.lastText = undefined;
    this.last = undefined;
  }

  private evictOldest(): void {
    let oldest: string | undefined;
    let stamp = Number.POSITIVE_INFINITY;
    for (const [text, entry] of this.entries) {
      if (entry.used < stamp) [oldest, stamp] = [text, entry.used];
    }
    this.entries.delete(oldest as string);
    if (oldest === this.lastText) this.lastText = this.last = undefined;
  }
}
