import type { KvEntry, KvError, KvValue } from '@keel/core';
import {
  kvErrorToWit,
  kvExpiryToWit,
  kvValueFromWit,
  kvValueToWit,
  ttlFromWit,
  type WitKvValue,
} from '../convert/kv-convert.js';
import type { Binding, BindingContext, WitError } from './binding.js';
import type { CursorSeal } from './cursor-seal.js';
import { settle, type KvCalls } from './adapter-calls.js';

/** How a component may use kv. */
export interface KvGrant {
  /** Every key the component uses lives under this prefix, invisibly to it. @default '' (the whole store) */
  readonly prefix: string;
  /** Refuse writes (`set`, `delete`, `increment`, …) with `access-denied`. @default false */
  readonly readOnly: boolean;
}

interface WitEntry {
  readonly key: string;
  readonly value: WitKvValue;
}

const writes = new Set(['set', 'delete', 'increment', 'compareAndSwap', 'expire', 'setMany', 'deleteMany']);

/**
 * `keel:infrastructure/kv` for a guest, served by a kv adapter. A prefix grant is a transparent
 * namespace: keys are prefixed on the way in and stripped on the way out, scans cover only the
 * namespace, and cursors are sealed so that they neither show nor cross it.
 */
export function kvBinding(kv: KvCalls, grant: KvGrant, ctx: BindingContext, seal: CursorSeal): Binding {
  const ns = grant.prefix;
  const fail = (error: KvError): never => {
    throw kvErrorToWit(error);
  };
  const invalid = (message: string): never => {
    throw { tag: 'invalid-argument', val: message } satisfies WitError;
  };
  const key = (k: string): string => (k.length === 0 ? invalid('key must not be empty') : ns + k);
  const keys = (list: readonly string[]): string[] => list.map(key);
  const options = (o: { ttlMs?: bigint }) => {
    const ttlMs = ttlFromWit(o.ttlMs);
    return ttlMs === undefined ? {} : { ttlMs };
  };
  const optional = (v: KvValue | undefined) => (v === undefined ? undefined : kvValueToWit(v));
  const witValue = (v: WitKvValue | undefined) => (v === undefined ? undefined : kvValueFromWit(v));

  const functions: Record<string, (...args: never[]) => unknown> = {
    get: (k: string) => settle(kv.get(key(k)), optional, fail),
    set: (k: string, v: WitKvValue, o: { ttlMs?: bigint }) =>
      settle(kv.set(key(k), kvValueFromWit(v), options(o)), () => undefined, fail),
    delete: (k: string) => settle(kv.delete(key(k)), (existed) => existed, fail),
    exists: (k: string) => settle(kv.exists(key(k)), (exists) => exists, fail),
    increment: (k: string, delta: bigint) => settle(kv.increment(key(k), delta), (n) => n, fail),
    compareAndSwap: (
      k: string,
      expected: WitKvValue | undefined,
      desired: WitKvValue | undefined,
      o: { ttlMs?: bigint },
    ) => settle(kv.compareAndSwap(key(k), witValue(expected), witValue(desired), options(o)), (wrote) => wrote, fail),
    expire: (k: string, ttlMs: bigint | undefined) =>
      settle(kv.expire(key(k), ttlFromWit(ttlMs)), (existed) => existed, fail),
    ttl: (k: string) =>
      settle(kv.ttl(key(k)), (expiry) => (expiry === undefined ? undefined : kvExpiryToWit(expiry)), fail),
    scan: (o: { prefix: string; cursor?: string; limit: number }) => {
      let cursor = o.cursor;
      if (cursor !== undefined && ns.length > 0) {
        cursor = seal.open(cursor, ns);
        if (cursor === undefined)
          throw { tag: 'invalid-cursor', val: 'cursor is malformed or belongs to another prefix' } satisfies WitError;
      }
      return settle(
        kv.scan({ prefix: ns + o.prefix, limit: o.limit, ...(cursor === undefined ? {} : { cursor }) }),
        (page) => ({
          entries: page.entries.map(
            (e: KvEntry): WitEntry => ({ key: e.key.slice(ns.length), value: kvValueToWit(e.value) }),
          ),
          cursor: page.cursor === undefined || ns.length === 0 ? page.cursor : seal.seal(page.cursor, ns),
        }),
        fail,
      );
    },
    getMany: (list: string[]) => settle(kv.getMany(keys(list)), (values) => values.map(optional), fail),
    setMany: (entries: WitEntry[], o: { ttlMs?: bigint }) =>
      settle(
        kv.setMany(
          entries.map((e) => ({ key: key(e.key), value: kvValueFromWit(e.value) })),
          options(o),
        ),
        () => undefined,
        fail,
      ),
    deleteMany: (list: string[]) => settle(kv.deleteMany(keys(list)), (n) => n, fail),
  };
  if (!grant.readOnly) return functions;
  for (const name of writes) {
    functions[name] = () => {
      throw ctx.denied('kv', name, 'the kv grant is read-only');
    };
  }
  return functions;
}
