import { type Kv, type KvError, type Result, ResultAsync, err, ok } from '@keel/core';
import { parseOptions } from '@keel/core/adapter';
import * as v from 'valibot';
import { type FlagContext, type FlagResolution, evaluateFlag } from './evaluate.js';
import { type FlagDefinition, type FlagDefinitionInput, type FlagType, flagDefinition } from './flag-definition.js';
import { type FlagsError, flagsError } from './flags-errors.js';
import { type FlagsOptions, flagsOptions } from './flags-options.js';

/** A flag as this process sees it, and where its definition came from. */
export interface FlagEntry {
  readonly key: string;
  readonly definition: FlagDefinition;
  readonly source: 'config' | 'kv';
}

/** The flags: see `createFlags`. */
export interface Flags {
  /** Reads the flags set in kv and starts refreshing them every `refreshMs`. */
  ready(): ResultAsync<void, FlagsError>;
  /** Evaluates a flag for a context, in memory: no kv call. `type` checks the flag's type. */
  evaluate(key: string, context?: FlagContext, type?: FlagType): Result<FlagResolution, FlagsError>;
  /** Sets a flag in kv (validated): this process sees it at once, others within `refreshMs`. */
  set(key: string, definition: FlagDefinitionInput): ResultAsync<void, FlagsError>;
  /** The kill switch: turns a flag off (its default for everyone) or on again, keeping its rules (those kv holds now). */
  setEnabled(key: string, enabled: boolean): ResultAsync<void, FlagsError>;
  /** Removes a flag from kv: its config definition (if any) applies again. */
  remove(key: string): ResultAsync<void, FlagsError>;
  list(): FlagEntry[];
  /** Called with the keys whose definitions changed (a `set` here, or a refresh that found changes). */
  onChange(listener: (keys: string[]) => void): () => void;
  close(): void;
}

/**
 * Feature flags and dynamic config on any Keel `kv`: flags from config, overridden at run time
 * by flags set in kv (no restart). Evaluation reads an in-memory snapshot — well under a
 * microsecond — which a timer refreshes from kv. Use it directly, or through OpenFeature with the
 * provider from `@keel/flags/openfeature`.
 *
 * @example
 * const flags = createFlags(keel.kv, {
 *   flags: { 'new-editor': { type: 'boolean', default: false, rollout: { percent: 10, value: true } } },
 * });
 * (await flags.ready())._unsafeUnwrap();
 * const on = flags.evaluate('new-editor', { targetingKey: userId }).map((r) => r.value);
 */
export function createFlags(kv: Kv, options: FlagsOptions = {}): Flags {
  const o = parseOptions(flagsOptions, options, 'createFlags');
  const config = new Map(Object.entries(o.flags));
  let stored = new Map<string, FlagDefinition>();
  const listeners = new Set<(keys: string[]) => void>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  const report = o.onError ?? (() => {});
  // This process's writes, by key, numbered as they land. A refresh whose scan began before one
  // landed may have read the value before it: it keeps the write rather than turn it back.
  let landed = 0;
  const ownWrites = new Map<string, { definition: FlagDefinition | undefined; at: number }>();
  const wrote = (key: string, definition: FlagDefinition | undefined) =>
    ownWrites.set(key, { definition, at: ++landed });

  const definitionOf = (key: string) => stored.get(key) ?? config.get(key);
  const emit = (keys: string[]) => {
    if (keys.length > 0) for (const listener of listeners) listener(keys);
  };
  const storeError = (op: string) => (cause: KvError) =>
    flagsError('STORE', op, `${op}: the kv failed: ${cause.message}`, cause);

  /** Every flag under the prefix, page by page; one that does not parse is reported and skipped. */
  const readAll = async (): Promise<Result<Map<string, FlagDefinition>, FlagsError>> => {
    const found = new Map<string, FlagDefinition>();
    let cursor: string | undefined;
    do {
      const page = await kv.scan({ prefix: o.prefix, limit: 1000, ...(cursor ? { cursor } : {}) });
      if (page.isErr()) return err(storeError('refresh')(page.error));
      for (const { key, value } of page.value.entries) {
        const flagKey = key.slice(o.prefix.length);
        const parsed = typeof value === 'string' ? parseDefinition(value) : undefined;
        if (parsed) found.set(flagKey, parsed);
        else {
          report(flagsError('INVALID_FLAG', 'refresh', `kv key ${key} does not hold a flag definition; ignored`));
          const previous = stored.get(flagKey);
          if (previous) found.set(flagKey, previous);
        }
      }
      cursor = page.value.cursor;
    } while (cursor);
    return ok(found);
  };

  // One at a time, so that the writes a finished refresh has seen are seen by every later one.
  let refreshing: Promise<Result<void, FlagsError>> | undefined;
  const refresh = (): Promise<Result<void, FlagsError>> => {
    refreshing ??= readAndApply().finally(() => {
      refreshing = undefined;
    });
    return refreshing;
  };
  const readAndApply = async (): Promise<Result<void, FlagsError>> => {
    const began = landed;
    const read = await readAll();
    if (read.isErr()) return err(read.error);
    const next = read.value;
    for (const [key, { definition, at }] of ownWrites) {
      if (at <= began)
        ownWrites.delete(key); // landed before the scan began: it read it
      else if (definition) next.set(key, definition);
      else next.delete(key);
    }
    const changed = [...new Set([...stored.keys(), ...next.keys()])].filter(
      (k) => JSON.stringify(stored.get(k)) !== JSON.stringify(next.get(k)),
    );
    stored = next;
    emit(changed);
    return ok(undefined);
  };

  const schedule = () => {
    if (closed || o.refreshMs === 0) return;
    timer = setTimeout(async () => {
      const r = await refresh();
      if (r.isErr()) report(r.error);
      schedule();
    }, o.refreshMs);
    timer.unref?.();
  };

  const write = (op: string, key: string, definition: FlagDefinition) =>
    kv
      .set(o.prefix + key, JSON.stringify(definition))
      .mapErr(storeError(op))
      .andTee(() => {
        stored.set(key, definition);
        wrote(key, definition);
        emit([key]);
      })
      .map(() => undefined);

  /**
   * The kill switch, as a compare-and-swap on the definition kv holds now, not on this process's
   * snapshot (up to `refreshMs` old): a rule changed meanwhile by another process is kept.
   */
  const switchFlag = async (key: string, enabled: boolean): Promise<Result<void, FlagsError>> => {
    for (let attempt = 0; attempt < maxSwitchAttempts; attempt++) {
      const raw = await kv.get(o.prefix + key);
      if (raw.isErr()) return err(storeError('setEnabled')(raw.error));
      // Not in kv: the config's definition; one that does not parse: what this process last read.
      const flag =
        raw.value === undefined
          ? config.get(key)
          : ((typeof raw.value === 'string' ? parseDefinition(raw.value) : undefined) ?? definitionOf(key));
      if (!flag) return err(flagsError('FLAG_NOT_FOUND', 'setEnabled', `no flag '${key}'`));
      if (flag.enabled === enabled) return ok(undefined);
      const next = { ...flag, enabled };
      const swapped = await kv.compareAndSwap(o.prefix + key, raw.value, JSON.stringify(next));
      if (swapped.isErr()) return err(storeError('setEnabled')(swapped.error));
      if (swapped.value) {
        stored.set(key, next);
        wrote(key, next);
        emit([key]);
        return ok(undefined);
      }
    }
    return err(
      flagsError(
        'STORE',
        'setEnabled',
        `setEnabled '${key}': its definition kept changing; ${maxSwitchAttempts} tries`,
      ),
    );
  };

  return {
    ready: () =>
      new ResultAsync(refresh()).andTee(() => {
        if (timer === undefined) schedule();
      }),

    evaluate(key, context = {}, type) {
      const flag = definitionOf(key);
      if (!flag) return err(flagsError('FLAG_NOT_FOUND', 'evaluate', `no flag '${key}'`));
      if (type !== undefined && flag.type !== type)
        return err(flagsError('TYPE_MISMATCH', 'evaluate', `flag '${key}' is a ${flag.type}, not a ${type}`));
      return ok(evaluateFlag(key, flag, context));
    },

    set(key, input) {
      const checked = v.safeParse(flagDefinition, input, { abortEarly: false });
      if (!checked.success) {
        const why = checked.issues.map((i) => `${(i.path ?? []).map((p) => p.key).join('.') || 'flag'}: ${i.message}`);
        return new ResultAsync(
          Promise.resolve(err(flagsError('INVALID_FLAG', 'set', `set '${key}': ${why.join('; ')}`))),
        );
      }
      if (!/^[A-Za-z0-9][\w.:-]{0,199}$/.test(key))
        return new ResultAsync(
          Promise.resolve(err(flagsError('INVALID_FLAG', 'set', `set: '${key}' is not a flag key`))),
        );
      return write('set', key, checked.output);
    },

    setEnabled: (key, enabled) => new ResultAsync(switchFlag(key, enabled)),

    remove: (key) =>
      kv
        .delete(o.prefix + key)
        .mapErr(storeError('remove'))
        .andTee(() => {
          wrote(key, undefined);
          if (stored.delete(key)) emit([key]);
        })
        .map(() => undefined),

    list: () =>
      [...new Set([...config.keys(), ...stored.keys()])].sort().map((key) => ({
        key,
        definition: definitionOf(key) as FlagDefinition,
        source: stored.has(key) ? 'kv' : 'config',
      })),

    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    close() {
      closed = true;
      clearTimeout(timer);
      listeners.clear();
    },
  };
}

/** Tries of `setEnabled`'s compare-and-swap, each lost to a write by someone else in between. */
const maxSwitchAttempts = 10;

function parseDefinition(text: string): FlagDefinition | undefined {
  try {
    const parsed = v.safeParse(flagDefinition, JSON.parse(text));
    return parsed.success ? parsed.output : undefined;
  } catch {
    return undefined;
  }
}
