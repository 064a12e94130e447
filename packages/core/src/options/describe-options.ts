import * as v from 'valibot';
import { unwrap } from './schema-walk.js';

/** One row of an adapter's options table. */
export interface OptionRow {
  /** Dotted for nested options: `limits.maxKeyBytes`. */
  readonly name: string;
  readonly type: string;
  readonly required: boolean;
  /** The default as written in docs, or `undefined` when there is none. */
  readonly default: string | undefined;
  readonly description: string;
}

/**
 * The rows of an options schema's table, nested objects flattened: what the adapter READMEs'
 * options tables are generated from (and checked against by a test).
 *
 * @example
 * describeOptions(memoryKvOptions); // [{ name: 'sweepIntervalMs', type: 'integer 1–2147483647', … }]
 */
export function describeOptions(schema: v.GenericSchema, prefix = ''): OptionRow[] {
  const entries = (unwrap(schema) as { entries?: Record<string, v.GenericSchema> }).entries ?? {};
  const rows: OptionRow[] = [];
  for (const [key, field] of Object.entries(entries)) {
    const name = prefix + key;
    const optional = (field as { type: string }).type === 'optional';
    const inner = unwrap(field) as v.GenericSchema;
    const meta = metadataOf(field);
    const fallback = (unwrap(field) === field ? undefined : (field as { default?: unknown }).default) as unknown;
    rows.push({
      name,
      type: typeName(inner),
      required: !optional,
      default: meta.defaultText ?? (fallback === undefined ? undefined : formatDefault(fallback)),
      description: v.getDescription(field as Parameters<typeof v.getDescription>[0]) ?? '',
    });
    rows.push(...nestedRows(inner, name));
  }
  return rows;
}

/**
 * The rows under an option: an object's fields, a union's object branch, an array's object items
 * (`name[].x`), and the kinds a schema names in its `kinds` metadata (a `v.lazy` that picks one
 * by a field: each field once, the first kind's description winning).
 */
function nestedRows(schema: v.GenericSchema, name: string): OptionRow[] {
  const s = unwrap(schema) as { type: string; options?: unknown; item?: v.GenericSchema };
  const { kinds } = metadataOf(s) as { kinds?: readonly v.GenericSchema[] };
  if (kinds) {
    const rows = kinds.flatMap((kind) => nestedRows(kind, name));
    return rows.filter((row, i) => rows.findIndex((other) => other.name === row.name) === i);
  }
  if (objectEntries(s as v.GenericSchema)) return describeOptions(s as v.GenericSchema, `${name}.`);
  if (s.type === 'union' && Array.isArray(s.options)) {
    return (s.options as v.GenericSchema[]).flatMap((branch) => nestedRows(branch, name));
  }
  if (s.type === 'array' && s.item) return nestedRows(s.item, `${name}[]`);
  return [];
}

function objectEntries(schema: v.GenericSchema): boolean {
  const type = (schema as { type: string }).type;
  return type === 'strict_object' || type === 'object' || type === 'loose_object';
}

function metadataOf(schema: unknown): { defaultText?: string; type?: string } {
  const pipe = (schema as { pipe?: readonly { kind: string; type: string; metadata?: object }[] }).pipe ?? [];
  return Object.assign({}, ...pipe.filter((p) => p.type === 'metadata').map((p) => p.metadata));
}

/** A readable type: `string`, `integer 1–2147483647`, `'wal' \| 'delete'`, or the `type` metadata. */
export function typeName(schema: v.GenericSchema): string {
  const meta = metadataOf(schema);
  if (meta.type) return meta.type;
  const s = schema as unknown as {
    type: string;
    options?: readonly unknown[];
    pipe?: readonly { type: string; requirement?: unknown }[];
    item?: v.GenericSchema;
    value?: v.GenericSchema;
    literal?: unknown;
  };
  switch (s.type) {
    case 'number': {
      const pipe = s.pipe ?? [];
      const min = pipe.find((p) => p.type === 'min_value')?.requirement;
      const max = pipe.find((p) => p.type === 'max_value')?.requirement;
      const kind = pipe.some((p) => p.type === 'integer') ? 'integer' : 'number';
      return min === undefined && max === undefined ? kind : `${kind} ${min ?? '…'}–${max ?? '…'}`;
    }
    case 'picklist':
      return (s.options ?? []).map((o) => `'${String(o)}'`).join(' | ');
    case 'union':
      return (s.options as v.GenericSchema[]).map(typeName).join(' | ');
    case 'array':
      return `${typeName(s.item as v.GenericSchema)}[]`;
    case 'record':
      return `record of ${typeName(s.value as v.GenericSchema)}`;
    case 'literal':
      return JSON.stringify(s.literal);
    case 'strict_object':
    case 'object':
      return 'object';
    default:
      return s.type;
  }
}

function formatDefault(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'object' && value !== null && Object.keys(value).length === 0) {
    return Array.isArray(value) ? '[]' : '{}';
  }
  return JSON.stringify(value);
}
