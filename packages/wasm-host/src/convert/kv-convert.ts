import { KvError, type KvErrorCode, type KvExpiry, type KvValue } from '@keel/core';
import type { WitError } from '../imports/binding.js';

/** WIT `kv.value` as jco represents it. */
export type WitKvValue =
  | { readonly tag: 'text'; readonly val: string }
  | { readonly tag: 'bytes'; readonly val: Uint8Array }
  | { readonly tag: 's64'; readonly val: bigint }
  | { readonly tag: 'f64'; readonly val: number }
  | { readonly tag: 'bool'; readonly val: boolean };

/** WIT `kv.expiry` as jco represents it. */
export type WitKvExpiry = { readonly tag: 'never' } | { readonly tag: 'after-ms'; readonly val: bigint };

export function kvValueToWit(value: KvValue): WitKvValue {
  switch (typeof value) {
    case 'string':
      return { tag: 'text', val: value };
    case 'bigint':
      return { tag: 's64', val: value };
    case 'number':
      return { tag: 'f64', val: value };
    case 'boolean':
      return { tag: 'bool', val: value };
    default:
      return { tag: 'bytes', val: value };
  }
}

export function kvValueFromWit(value: WitKvValue): KvValue {
  return value.val;
}

export function kvExpiryToWit(expiry: KvExpiry): WitKvExpiry {
  return expiry.kind === 'never'
    ? { tag: 'never' }
    : { tag: 'after-ms', val: BigInt(Math.max(0, Math.ceil(expiry.ms))) };
}

export function kvExpiryFromWit(expiry: WitKvExpiry): KvExpiry {
  return expiry.tag === 'never' ? { kind: 'never' } : { kind: 'after-ms', ms: Number(expiry.val) };
}

const kvCodes: readonly KvErrorCode[] = [
  'INVALID_ARGUMENT',
  'TOO_LARGE',
  'TYPE_MISMATCH',
  'INVALID_CURSOR',
  'NOT_OPEN',
  'UNAVAILABLE',
  'ACCESS_DENIED',
  'UNSUPPORTED',
  'INTERNAL',
];

export function kvErrorToWit(error: KvError): WitError {
  return { tag: error.code.toLowerCase().replace(/_/g, '-'), val: error.message };
}

/** A `kv.error` from a component, as core's `KvError` (an unknown case becomes `INTERNAL`). */
export function kvErrorFromWit(error: WitError): KvError {
  const code = String(error.tag).toUpperCase().replace(/-/g, '_') as KvErrorCode;
  const message = typeof error.val === 'string' ? error.val : String(error.val);
  return new KvError({ code: kvCodes.includes(code) ? code : 'INTERNAL', message });
}

/** A WIT `u64` of milliseconds as the `number` core takes; `undefined` when it cannot be one. */
export function ttlFromWit(ttlMs: bigint | undefined): number | undefined {
  if (ttlMs === undefined) return undefined;
  return ttlMs <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(ttlMs) : Number.NaN;
}
