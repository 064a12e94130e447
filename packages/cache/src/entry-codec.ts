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
 * One kv text value: a header line `k1<TAB>kind<TAB>id<TAB>tags`, then the value's JSON. `tags` is
 * the JSON of the tag versions, empty without tags, so that an untagged entry's header is read
 * without a JSON parse; JSON escapes tabs and newlines, so neither appears inside a field. Reading
 * the header first lets a stale entry be judged without parsing its value. `id` makes every write
 * distinct, so that compare-and-swap never mistakes a newer entry for the one it read.
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
  const fields = raw.slice(0, newline).split('\t');
  if (fields.length !== 4 || fields[0] !== FORMAT) return 'corrupt';
  const kind = fields[1];
  if (kind === KIND_CODES.tombstone) return { kind: 'tombstone' };
  const tags = parseTags(fields[3] as string);
  if (tags === undefined) return 'corrupt';
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
  const tagText = Object.keys(tags).length === 0 ? '' : JSON.stringify(tags);
  return `${FORMAT}\t${KIND_CODES[kind]}\t${uniqueToken()}\t${tagText}\n`;
}

function parseTags(text: string): TagVersions | undefined {
  if (text === '') return NO_TAGS;
  try {
    const value: unknown = JSON.parse(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    return Object.values(value).every((v) => typeof v === 'string') ? (value as TagVersions) : undefined;
  } catch {
    return undefined;
  }
}
