import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FieldLayout } from './definition-types.js';
import { type JsonValue, fromJson, toJson } from './field-kinds.js';

/**
 * A keyset cursor: the order keys' values of the last entity of a page, as JSON, sealed with an
 * HMAC over them and over what the query was (filters, order, tenant, `withDeleted`). So a cursor
 * that was altered, cut, or made for another query, repository or tenant is refused.
 * Format: `base64url(JSON values) . base64url(first 16 bytes of HMAC-SHA256)`.
 */
export function sealCursor(
  key: string,
  query: string,
  fields: readonly FieldLayout[],
  entity: Record<string, unknown>,
): string {
  const values = fields.map((f) => toJson(f.kind, entity[f.name]));
  const payload = Buffer.from(JSON.stringify(values)).toString('base64url');
  return `${payload}.${mac(key, query, payload).toString('base64url')}`;
}

/** The values a cursor holds, decoded by kind; `undefined` when it is not a cursor of this query. */
export function openCursor(
  key: string,
  query: string,
  fields: readonly FieldLayout[],
  cursor: unknown,
): unknown[] | undefined {
  if (typeof cursor !== 'string' || cursor.length > 8192) return undefined;
  const [payload, seal, extra] = cursor.split('.');
  if (payload === undefined || seal === undefined || extra !== undefined) return undefined;
  const expected = mac(key, query, payload);
  const given = Buffer.from(seal, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const values = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as JsonValue[];
    if (!Array.isArray(values) || values.length !== fields.length) return undefined;
    return fields.map((f, i) => fromJson(f.kind, values[i] as JsonValue));
  } catch {
    return undefined;
  }
}

/** What a query was, as text for the seal: bigints and Dates written so that they cannot collide. */
export function querySignature(parts: unknown): string {
  return JSON.stringify(parts, (_key, value: unknown) => {
    if (typeof value === 'bigint') return `${value}n`;
    if (value instanceof Date) return `@${value.toISOString()}`;
    return value;
  });
}

function mac(key: string, query: string, payload: string): Buffer {
  return createHmac('sha256', key).update(query).update('\u0000').update(payload).digest().subarray(0, 16);
}
