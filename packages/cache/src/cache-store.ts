import { type Kv, type KvError, type KvValue, type Result, ResultAsync, err, ok, okAsync } from '@keel/core';
import { type Entry, type TagVersions, decodeEntry, entryValue, uniqueToken } from './entry-codec.js';

/** What one read of an entry (and the tags it is asked under) found. */
export interface Lookup {
  /** The entry key's value as read: what a compare-and-swap after a load expects to find. */
  readonly raw: KvValue | undefined;
  /** `hit`: a value or cached absence valid under the tags asked for; else why there is none. */
  readonly verdict: 'hit' | 'miss' | 'stale' | 'corrupt';
  /** The value of a hit (`undefined` for a cached absence). */
  readonly value?: unknown;
  /** The current version of each tag asked for, in order (`undefined`: the tag has none yet). */
  readonly versions: readonly (string | undefined)[];
  /** Whether a lease on the key was held when read (only when asked for). */
  readonly leased?: boolean;
  /** When the read was sent (`performance.now()`): a write based on it must land within `tombstoneMs`. */
  readonly readAt: number;
}

/**
 * The kv side of the cache: where each thing lives under the prefix, and the reads and writes
 * every operation is made of. Entries are `<prefix>e:<key>`, leases `<prefix>l:<key>`, tag
 * versions `<prefix>t:<tag>`.
 */
export class CacheStore {
  /** The lease token this cache holds per key, while it loads that key. */
  private readonly ownLeases = new Map<string, string>();

  constructor(
    readonly kv: Kv,
    private readonly prefix: string,
  ) {}

  entryKey(key: string): string {
    return `${this.prefix}e:${key}`;
  }

  leaseKey(key: string): string {
    return `${this.prefix}l:${key}`;
  }

  tagKey(tag: string): string {
    return `${this.prefix}t:${tag}`;
  }

  /**
   * Reads an entry and the versions of `tags` in one `getMany` (a plain `get` without tags), and
   * judges it: a hit needs an entry built under exactly these tags, each still at the version it
   * recorded. (Awaited rather than chained: this is every hit's path, and each neverthrow
   * combinator costs a generator and promises.)
   */
  async lookup(key: string, tags: readonly string[], withLease = false): Promise<Result<Lookup, KvError>> {
    const readAt = performance.now();
    if (tags.length === 0 && !withLease) {
      const read = await this.kv.get(this.entryKey(key));
      if (read.isErr()) return err(read.error);
      return ok({ raw: read.value, versions: [], readAt, ...judge(decodeEntry(read.value), tags, []) });
    }
    const keys = [this.entryKey(key), ...tags.map((t) => this.tagKey(t))];
    if (withLease) keys.push(this.leaseKey(key));
    const read = await this.kv.getMany(keys);
    if (read.isErr()) return err(read.error);
    const values = read.value;
    const raw = values[0];
    const versions = values.slice(1, 1 + tags.length).map(asVersion);
    const leased = withLease ? values[1 + tags.length] !== undefined : undefined;
    return ok({ raw, versions, leased, readAt, ...judge(decodeEntry(raw), tags, versions) });
  }

  /**
   * Reads an entry under whatever tags it recorded (`get` without tags): a second read fetches
   * their versions when it has some.
   */
  async lookupAnyTags(key: string): Promise<Result<Lookup, KvError>> {
    const first = await this.lookup(key, []);
    if (first.isErr()) return first;
    const entry = decodeEntry(first.value.raw);
    const recorded = typeof entry === 'object' && entry.kind !== 'tombstone' ? Object.keys(entry.tags) : [];
    return recorded.length === 0 ? first : this.lookup(key, recorded.sort());
  }

  /**
   * The version of each tag, creating the missing ones: an entry records only real versions, so a
   * tag key that is lost (evicted, deleted) makes its entries stale rather than valid again.
   */
  ensureVersions(
    tags: readonly string[],
    versions: readonly (string | undefined)[],
  ): ResultAsync<TagVersions, KvError> {
    const each = tags.map((tag, i) => {
      const known = versions[i];
      return known === undefined ? this.createVersion(tag) : okAsync(known);
    });
    return ResultAsync.combine(each).map((list) => Object.fromEntries(tags.map((t, i) => [t, list[i] as string])));
  }

  /**
   * Takes the key's lease if nobody holds it, or if this cache holds it for a load that a local
   * invalidation detached (a process never waits for its own outdated load): the token to
   * release it with, or `undefined` when another process holds it.
   */
  acquireLease(key: string, ttlMs: number): ResultAsync<string | undefined, KvError> {
    const token = uniqueToken();
    const leaseKey = this.leaseKey(key);
    const own = this.ownLeases.get(key);
    return this.kv
      .compareAndSwap(leaseKey, undefined, token, { ttlMs })
      .andThen((won) =>
        won || own === undefined ? okAsync(won) : this.kv.compareAndSwap(leaseKey, own, token, { ttlMs }),
      )
      .map((won) => {
        if (!won) return undefined;
        this.ownLeases.set(key, token);
        return token;
      });
  }

  /** Gives the lease back, unless it expired and someone else took it. */
  releaseLease(key: string, token: string): ResultAsync<boolean, KvError> {
    if (this.ownLeases.get(key) === token) this.ownLeases.delete(key);
    return this.kv.compareAndSwap(this.leaseKey(key), token, undefined);
  }

  private createVersion(tag: string): ResultAsync<string, KvError> {
    const key = this.tagKey(tag);
    const token = uniqueToken();
    return this.kv.compareAndSwap(key, undefined, token).andThen((created) => {
      if (created) return okAsync(token);
      // Another process created it first: use theirs (or replace what is not a version at all).
      return this.kv.get(key).andThen((current) => {
        if (typeof current === 'string') return okAsync(current);
        return this.kv.set(key, token).map(() => token);
      });
    });
  }
}

function asVersion(value: KvValue | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function judge(
  entry: Entry | 'corrupt' | undefined,
  tags: readonly string[],
  versions: readonly (string | undefined)[],
): Pick<Lookup, 'verdict' | 'value'> {
  if (entry === undefined || (entry !== 'corrupt' && entry.kind === 'tombstone')) return { verdict: 'miss' };
  if (entry === 'corrupt') return { verdict: 'corrupt' };
  const recorded = Object.keys(entry.tags);
  if (recorded.length !== tags.length) return { verdict: 'stale' };
  for (let i = 0; i < tags.length; i++) {
    const version = versions[i];
    if (version === undefined || entry.tags[tags[i] as string] !== version) return { verdict: 'stale' };
  }
  try {
    return { verdict: 'hit', value: entryValue(entry) };
  } catch {
    return { verdict: 'corrupt' };
  }
}
