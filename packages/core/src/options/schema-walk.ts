// Walking a valibot options schema: through optional/nullable wrappers, down object entries.
import type * as v from 'valibot';

/** The object entries the schema has at `keys`, looking through optional, pipe and nullable wrappers. */
export function entriesAt(
  schema: v.GenericSchema,
  keys: readonly (string | number)[],
): Record<string, unknown> | undefined {
  let current: unknown = schema;
  for (const key of [...keys, undefined]) {
    current = unwrap(current);
    const entries = (current as { entries?: Record<string, unknown> }).entries;
    if (key === undefined) return entries;
    current = entries?.[String(key)] ?? (current as { item?: unknown }).item;
    if (current === undefined) return undefined;
  }
  return undefined;
}

/** Looks through optional/nullable wrappers (whose inner schema is `wrapped`). */
export function unwrap(schema: unknown): unknown {
  let current = schema as { wrapped?: unknown } | undefined;
  while (current?.wrapped !== undefined) current = current.wrapped as { wrapped?: unknown };
  return current;
}
