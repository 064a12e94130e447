import type { KvValue } from './kv-contract.js';

/** The WIT case name of a value, or `undefined` when it is not a kv value. */
export type KvValueType = 'text' | 'bytes' | 's64' | 'f64' | 'bool';

const S64_MIN = -(2n ** 63n);
const S64_MAX = 2n ** 63n - 1n;

/** Which WIT `kv.value` case a JavaScript value is, or `undefined` when it is none. */
export function kvValueType(value: unknown): KvValueType | undefined {
  switch (typeof value) {
    case 'string':
      return 'text';
    case 'number':
      return 'f64';
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 's64';
    case 'object':
      return value instanceof Uint8Array ? 'bytes' : undefined;
    default:
      return undefined;
  }
}

export function isS64(value: bigint): boolean {
  return value >= S64_MIN && value <= S64_MAX;
}

/**
 * Exact equality, as compare-and-swap needs it: same type and same content. Numbers compare
 * with `Object.is`, so `NaN` equals `NaN` and `0` differs from `-0`, as their bits do.
 */
export function kvValuesEqual(a: KvValue | undefined, b: KvValue | undefined): boolean {
  if (a instanceof Uint8Array) {
    if (!(b instanceof Uint8Array) || a.byteLength !== b.byteLength) return false;
    for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  return Object.is(a, b);
}

/** Bytes a value occupies in its encoded form, for size limits. */
export function kvValueSize(value: KvValue): number {
  if (typeof value === 'string') return utf8Length(value);
  if (value instanceof Uint8Array) return value.byteLength;
  return typeof value === 'boolean' ? 1 : 8;
}

/**
 * Whether a string is valid Unicode (no lone surrogate). Such strings cannot cross a WIT
 * boundary or become UTF-8 without turning into U+FFFD, where two keys would collide.
 */
export function isWellFormed(text: string): boolean {
  return (text as string & { isWellFormed(): boolean }).isWellFormed();
}

export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * Orders keys by Unicode code point, which is the order of their UTF-8 bytes — the order
 * LevelDB and every byte-ordered store use — unlike `<`, which compares UTF-16 code units.
 */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // A surrogate (0xD800–0xDFFF) starts a code point above 0xFFFF, so it sorts after 0xE000–0xFFFF.
    if (x >= 0xd800 && y >= 0xd800) return surrogateRank(x) - surrogateRank(y);
    return x - y;
  }
  return a.length - b.length;
}

function surrogateRank(unit: number): number {
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}
