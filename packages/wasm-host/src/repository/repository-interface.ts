import type { FieldKind, FieldLayout, RepositoryDefinition } from '@keel/repository';

/** The WIT package every repository interface is generated in (and the host serves). */
export const REPOSITORY_PACKAGE = 'keel:repository';
export const REPOSITORY_VERSION = '0.1.0';

/** One field of a generated record: its entity name, its WIT name, its WIT type and how values cross. */
export interface WitField {
  /** The entity's name (`dueAt`). */
  readonly name: string;
  /** kebab-case (`due-at`), which jco renders back as `name`. */
  readonly wit: string;
  readonly kind: FieldKind;
  /** Absent allowed: a nullable or optional field (and `deletedAt`/`deletedBy`). */
  readonly optional: boolean;
  /** The WIT type of a present value (`string`, `s64`, …). */
  readonly type: string;
  readonly meta: boolean;
}

/**
 * What a repository looks like to a component, derived once from its definition: the WIT names
 * of its record types and fields. Both the WIT text and the binding read it.
 */
export interface RepositoryInterface {
  /** The interface name (`tasks`). */
  readonly name: string;
  /** `keel:repository/tasks`, unversioned. */
  readonly qualified: string;
  /** The stored record (`task`), the create input (`new-task`), the patch (`task-patch`). */
  readonly record: string;
  readonly newRecord: string;
  readonly patchRecord: string;
  /** Every field of the stored record: the entity's, then the repository's. */
  readonly fields: readonly WitField[];
  /** The id field. */
  readonly id: WitField;
  /** The id may be left out of `create` (the definition makes one). */
  readonly idOptional: boolean;
  /** The patch has `set-null: list<string>` (some field may be null or absent). */
  readonly settable: boolean;
  /** Entity field name by WIT name, for filters and orders. */
  readonly byWit: ReadonlyMap<string, WitField>;
}

/** Types every generated interface declares besides the entity's records. */
const fixedTypes = ['field-value', 'condition', 'filter', 'order-key', 'query', 'page', 'error'];

/** WIT keywords: a name that is one must be written `%name`. */
const keywords = new Set(
  (
    'as async bool borrow char constructor enum export f32 f64 flags from func future import include interface ' +
    'list option own package record resource result s16 s32 s64 s8 static stream string tuple type u16 u32 u64 u8 ' +
    'use variant with world'
  ).split(' '),
);

const witTypes: Readonly<Record<FieldKind, string>> = {
  text: 'string',
  integer: 's64',
  bigint: 's64',
  real: 'f64',
  boolean: 'bool',
  // Milliseconds since the Unix epoch.
  timestamp: 's64',
  // JSON text: WIT has no recursive types.
  json: 'string',
};

/** `dueAt` → `due-at`; `Task` → `task`. */
export function kebab(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1-$2')
    .replace(/_/g, '-')
    .toLowerCase();
}

/** How jco names a WIT identifier in JavaScript: `due-at` → `dueAt`. */
export function camel(wit: string): string {
  return wit.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** `%type` for keywords. */
export function witName(name: string): string {
  return keywords.has(name) ? `%${name}` : name;
}

const witIdentifier = /^[a-z][a-z0-9]*(-[a-z][a-z0-9]*)*$/;

/**
 * The interface of `definition` as a component sees it. Throws a `TypeError` naming the field
 * when a name cannot cross to WIT and back (jco must render each WIT name as the entity's).
 */
export function repositoryInterface(
  definition: RepositoryDefinition<object, string, unknown>,
  options: { readonly interface?: string } = {},
): RepositoryInterface {
  const where = `repositoryWit(${definition?.table})`;
  if (
    typeof definition?.table !== 'string' ||
    !Array.isArray(definition.fields) ||
    !Array.isArray(definition.metaFields)
  )
    throw new TypeError(`${where}: expected a definition from defineRepository`);
  const name = options.interface ?? kebab(definition.table);
  if (!witIdentifier.test(name))
    throw new TypeError(
      `${where}: interface name '${name}' is not a WIT identifier (lower-case words of letters and digits joined by -)`,
    );
  const record = kebab(definition.entity);
  if (!witIdentifier.test(record))
    throw new TypeError(`${where}: entity name '${definition.entity}' does not make a WIT record name ('${record}')`);
  const types = [record, `new-${record}`, `${record}-patch`];
  const clash = types.find((t) => fixedTypes.includes(t));
  if (clash)
    throw new TypeError(
      `${where}: entity '${definition.entity}' makes a type '${clash}', which every repository interface already has (${fixedTypes.join(', ')}); give the definition another entity name`,
    );
  const fields = [...definition.fields, ...definition.metaFields].map((f) => witField(where, f));
  const id = fields[0] as WitField;
  const settable = fields.some((f) => !f.meta && f.optional);
  if (settable && fields.some((f) => f.wit === 'set-null'))
    throw new TypeError(`${where}: field setNull clashes with the patch's set-null list; rename it`);
  return {
    name,
    qualified: `${REPOSITORY_PACKAGE}/${name}`,
    record,
    newRecord: `new-${record}`,
    patchRecord: `${record}-patch`,
    fields,
    id,
    idOptional: definition.generateId !== undefined,
    settable,
    byWit: new Map(fields.map((f) => [f.wit, f])),
  };
}

function witField(where: string, f: FieldLayout): WitField {
  const wit = kebab(f.name);
  if (!witIdentifier.test(wit) || camel(wit) !== f.name)
    throw new TypeError(
      `${where}: field ${f.name} has no WIT name that jco renders back as '${f.name}' ('${wit}'); rename it in camelCase with each word starting with a letter`,
    );
  const type = witTypes[f.kind];
  if (type === undefined) throw new TypeError(`${where}: field ${f.name} is of kind ${f.kind}, which has no WIT type`);
  return { name: f.name, wit, kind: f.kind, optional: f.nullable || f.optional, type, meta: f.meta };
}

/** The error cases, in order: the repository's codes a guest can act on, then the host's. */
export const errorCases = [
  'not-found',
  'conflict',
  'validation',
  'duplicate',
  'unknown-field',
  'invalid-query',
  'invalid-cursor',
  'busy',
  'access-denied',
  'internal',
] as const;
