import { randomBytes } from 'node:crypto';
import type { KvValue } from '@keel/core';
import { decodeValue, encodeValue } from './value-codec.js';

/** The tag versions an entry was built under: tag → the version token it had then. */
export type TagVersions = Readonly<Record<string, string>>;

/**
 * What the cache keeps under an entry key: a value, a cached absence (negative caching), or a
 * tombstone that `invalidate` leaves so that a load which began before it cannot write after it.
 */
export type Entry =
  | { readonly kind: 'value'; readonly tags: TagVersions; readonly payload: string; readonly typed: boolean }
  | { readonly kind: 'absent'; readonly tags: TagVersions }
  | { readonly kind: 'tombstone' };

/**
 * One kv text value: a JSON header `["k1", kind, id, tags]`, a newline, then the value's JSON.
 * The header never holds a raw newline (JSON escapes them), and reading it first lets a stale
 * entry be judged without parsing its value. `id` makes every write distinct, so that
 * compare-and-swap never mistakes a newer entry for the one it read.
 */
const FORMAT = 'k1';
const KIND_CODES = { value: 'v', typed: 't', absent: 'n', tombstone: 'x' } as const;
const NO_TAGS: TagVersions = Object.freeze({});

/** The stored text of a value entry; throws `NotEncodable` for a value it cannot keep exactly. */
export function encodeEntry(value: unknown, tags: TagVersions): string {
  if (value === undefined) return header('absent', tags);
  const encoded = encodeValue(value);
  return `${header(encoded.typed ? 'typed' : 'value', tags)}${encoded.text}`;
}

/** The stored text of a tombstone. */
export function encodeTombstone(): string {
  return header('tombstone', NO_TAGS);
}

/** The entry a kv value holds, `undefined` when there is none, `'corrupt'` when the cache did not write it. */
export function decodeEntry(raw: KvValue | undefined): Entry | 'corrupt' | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') return 'corrupt';
  const newline = raw.indexOf('\n');
  if (newline < 0) return 'corrupt';
  let head: unknown;
  try {
    head = JSON.parse(raw.slice(0, newline));
  } catch {
    return 'corrupt';
  }
  if (!Array.isArray(head) || head[0] !== FORMAT) return 'corrupt';
  const [, kind, , tags] = head as [string, string, string, unknown];
  if (kind === KIND_CODES.tombstone) return { kind: 'tombstone' };
  if (!isTagVersions(tags)) return 'corrupt';
  if (kind === KIND_CODES.absent) return { kind: 'absent', tags };
  if (kind !== KIND_CODES.value && kind !== KIND_CODES.typed) return 'corrupt';
  return { kind: 'value', tags, payload: raw.slice(newline + 1), typed: kind === KIND_CODES.typed };
}

/** The value of an entry; throws (a `SyntaxError`) when its payload is not what the cache wrote. */
export function entryValue(entry: Entry): unknown {
  return entry.kind === 'value' ? decodeValue(entry.payload, entry.typed) : undefined;
}

/** A token no other write in any process uses: this process's random part and a counter. */
export function uniqueToken(): string {
  return `${processPart}${(++counter).toString(36)}`;
}

const processPart = randomBytes(6).toString('base64url');
let counter = 0;

function header(kind: keyof typeof KIND_CODES, tags: TagVersions): string {
  return `${JSON.stringify([FORMAT, KIND_CODES[kind], uniqueToken(), tags])}\n`;
}

function isTagVersions(value: unknown): value is TagVersions {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  return Object.values(value).every((v) => typeof v === 'string');
}
