/**
 * A record this adapter keeps in kv as versioned JSON (`v: 1`), or `undefined` for anything else
 * (a missing key, another value type, malformed JSON, another version, a field `valid` rejects),
 * which callers treat as an unknown token rather than an error.
 */
export function readRecord<T extends { readonly v: 1 }>(raw: unknown, valid: (record: T) => boolean): T | undefined {
  if (typeof raw !== 'string') return undefined;
  try {
    const record = JSON.parse(raw) as T | null;
    return record?.v === 1 && valid(record) ? record : undefined;
  } catch {
    return undefined;
  }
}
