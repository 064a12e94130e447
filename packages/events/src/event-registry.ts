import type { StandardSchemaV1 } from '@standard-schema/spec';
import { err, ok, type Result } from '@keel/core';
import { EventsError } from './events-errors.js';
import type { EventTypeDefinition } from './event-types.js';
import { bucketOf } from './hashing.js';
import { typeNamePattern } from './patterns.js';

/** An event checked and ready to insert. */
export interface PreparedEvent {
  readonly type: string;
  readonly aggregateId: string;
  /** The data as stored: the schema's output when the type is registered. */
  readonly data: unknown;
  readonly json: string;
  readonly schemaVersion: number;
  readonly bucket: number;
}

/** The registered event types: checks at publish, upcasting on read. */
export interface TypeRegistry {
  /** Checks one event (`field` names it in errors: `events[2]`). */
  prepare(input: unknown, field: string): Promise<Result<PreparedEvent, EventsError>>;
  /** Brings stored data up to its type's current version. */
  upcast(type: string, version: number, data: unknown): Result<{ data: unknown; version: number }, EventsError>;
}

interface Registered {
  readonly version: number;
  readonly schema: StandardSchemaV1;
  readonly upcasters: Readonly<Record<number, (data: unknown) => unknown>>;
}

/**
 * The registry of `types`. `strict`: an unregistered type is `UNKNOWN_TYPE` at publish. A type
 * definition that cannot work (a version that is not a positive integer, an upcaster for a version
 * not below the current one) is a programming mistake and throws.
 *
 * @example
 * const registry = typeRegistry({ TaskCreated: { schema: v.object({ title: v.string() }) } }, true, 'sqlite');
 */
export function typeRegistry(
  types: Readonly<Record<string, EventTypeDefinition>>,
  strict: boolean,
  adapter: string,
): TypeRegistry {
  const registered = new Map<string, Registered>();
  for (const [type, definition] of Object.entries(types)) registered.set(type, checkDefinition(type, definition));
  const fail = (
    code: 'VALIDATION' | 'UNKNOWN_TYPE' | 'UPCAST_FAILED',
    field: string,
    message: string,
    cause?: unknown,
  ) =>
    err(new EventsError({ code, message, adapter, op: code === 'UPCAST_FAILED' ? 'read' : 'publish', field, cause }));

  const upcast = (
    type: string,
    version: number,
    data: unknown,
  ): Result<{ data: unknown; version: number }, EventsError> => {
    const r = registered.get(type);
    if (!r || version >= r.version) return ok({ data, version });
    let current = data;
    for (let v = version; v < r.version; v++) {
      const step = r.upcasters[v];
      if (!step) return fail('UPCAST_FAILED', type, `${type}: no upcaster from version ${v} to ${v + 1}`);
      try {
        current = step(current);
      } catch (thrown) {
        return fail(
          'UPCAST_FAILED',
          type,
          `${type}: the upcaster from version ${v} threw: ${messageOf(thrown)}`,
          thrown,
        );
      }
    }
    return ok({ data: current, version: r.version });
  };

  return {
    upcast,
    async prepare(input, field) {
      const event = input as { type?: unknown; aggregateId?: unknown; data?: unknown; version?: unknown } | null;
      if (typeof event !== 'object' || event === null) return fail('VALIDATION', field, `${field} must be an object`);
      const { type, aggregateId, version } = event;
      if (typeof type !== 'string' || !typeNamePattern.test(type)) {
        return fail(
          'VALIDATION',
          `${field}.type`,
          `${field}.type must be 1–200 letters, digits, '.', '_', '-' or ':', got ${JSON.stringify(type)}`,
        );
      }
      if (typeof aggregateId !== 'string' || aggregateId.length === 0 || aggregateId.length > 200) {
        return fail(
          'VALIDATION',
          `${field}.aggregateId`,
          `${field}.aggregateId must be a string of 1–200 characters, got ${describe(aggregateId)}`,
        );
      }
      if (version !== undefined && !(Number.isInteger(version) && (version as number) >= 1)) {
        return fail(
          'VALIDATION',
          `${field}.version`,
          `${field}.version must be an integer ≥ 1, got ${describe(version)}`,
        );
      }
      const r = registered.get(type);
      if (!r && strict) {
        const known = [...registered.keys()].join(', ');
        return fail(
          'UNKNOWN_TYPE',
          `${field}.type`,
          `${field}.type '${type}' is not a registered event type (known: ${known})`,
        );
      }
      let data = event.data;
      let schemaVersion = (version as number | undefined) ?? r?.version ?? 1;
      if (r) {
        if (schemaVersion > r.version) {
          return fail(
            'VALIDATION',
            `${field}.version`,
            `${field}.version ${schemaVersion} is newer than ${type}'s current version ${r.version}`,
          );
        }
        const current = upcast(type, schemaVersion, data);
        if (current.isErr()) return fail('VALIDATION', `${field}.version`, current.error.message, current.error.cause);
        const checked = await r.schema['~standard'].validate(current.value.data);
        if (checked.issues) {
          const issue = checked.issues[0] as StandardSchemaV1.Issue;
          const at = `${field}.data${pathOf(issue.path)}`;
          return fail('VALIDATION', at, `${at}: ${issue.message} (${type} version ${r.version})`, checked.issues);
        }
        data = checked.value;
        schemaVersion = r.version;
      }
      let json: string | undefined;
      try {
        json = JSON.stringify(data);
      } catch (thrown) {
        return fail(
          'VALIDATION',
          `${field}.data`,
          `${field}.data cannot be stored as JSON: ${messageOf(thrown)}`,
          thrown,
        );
      }
      if (json === undefined)
        return fail('VALIDATION', `${field}.data`, `${field}.data is required (JSON: null, an object, …)`);
      return ok({ type, aggregateId, data: JSON.parse(json), json, schemaVersion, bucket: bucketOf(aggregateId) });
    },
  };
}

function checkDefinition(type: string, definition: EventTypeDefinition): Registered {
  const where = `createEvents: types.${type}`;
  if (!typeNamePattern.test(type))
    throw new TypeError(`${where}: a type name is 1–200 letters, digits, '.', '_', '-' or ':'`);
  const version = definition.version ?? 1;
  if (!Number.isInteger(version) || version < 1) throw new TypeError(`${where}.version must be an integer ≥ 1`);
  if (typeof definition.schema?.['~standard']?.validate !== 'function') {
    throw new TypeError(`${where}.schema must be a Standard Schema (valibot, zod, arktype, …)`);
  }
  const upcasters = definition.upcasters ?? {};
  for (const [from, step] of Object.entries(upcasters)) {
    const n = Number(from);
    if (!Number.isInteger(n) || n < 1 || n >= version || typeof step !== 'function') {
      throw new TypeError(`${where}.upcasters.${from} must be a function from a version 1–${version - 1} to the next`);
    }
  }
  return { version, schema: definition.schema, upcasters };
}

/** `.title`, `.items[2].name` */
function pathOf(path: StandardSchemaV1.Issue['path']): string {
  let text = '';
  for (const item of path ?? []) {
    const key = typeof item === 'object' && item !== null ? item.key : item;
    text += typeof key === 'number' ? `[${key}]` : `.${String(key)}`;
  }
  return text;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? `a string of ${value.length} characters` : value === null ? 'null' : typeof value;
}

function messageOf(thrown: unknown): string {
  return thrown instanceof Error ? thrown.message : String(thrown);
}
