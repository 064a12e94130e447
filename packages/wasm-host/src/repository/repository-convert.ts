// Values between a repository's entities and the records of its generated WIT (see repository-wit.ts).
import type { RepositoryError } from '@keel/repository';
import type { WitError } from '../imports/binding.js';
import type { RepositoryInterface, WitField } from './repository-interface.js';

/** Thrown to the guest as a case of the interface's `error` variant. */
export function witError(tag: string, message: string): WitError {
  return { tag, val: message };
}

/** A WIT value of a field (jco's representation) as the entity's value; throws `validation`. */
export function fieldFromWit(f: WitField, value: unknown): unknown {
  switch (f.kind) {
    case 'integer': {
      const n = Number(value as bigint);
      if (!Number.isSafeInteger(n))
        throw witError('validation', `${f.wit}: ${String(value)} is beyond a safe integer (2^53 - 1)`);
      return n;
    }
    case 'timestamp': {
      const date = new Date(Number(value as bigint));
      if (Number.isNaN(date.getTime())) throw witError('validation', `${f.wit}: ${String(value)} ms is not a date`);
      return date;
    }
    case 'json':
      try {
        return JSON.parse(value as string);
      } catch {
        throw witError('validation', `${f.wit}: not JSON text`);
      }
    default:
      return value;
  }
}

/** An entity's value as the WIT value of its field: `undefined` for an absent or null one. */
export function fieldToWit(f: WitField, value: unknown): unknown {
  if (value === undefined || value === null) return undefined;
  switch (f.kind) {
    case 'integer':
      return BigInt(value as number);
    case 'timestamp':
      return BigInt((value as Date).getTime());
    case 'json':
      return JSON.stringify(value);
    default:
      return value;
  }
}

/** A stored entity as the interface's record (camelCase fields, as jco passes records). */
export function entityToWit(r: RepositoryInterface, entity: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of r.fields) {
    const value = fieldToWit(f, entity[f.name]);
    if (value !== undefined) out[f.name] = value;
  }
  return out;
}

/** A `field-value` as a value of `f` for a filter; throws `invalid-query` when it does not fit the field. */
export function filterValueFromWit(f: WitField, value: { tag: string; val?: unknown }): unknown {
  const refuse = (): never => {
    throw witError('invalid-query', `${f.wit} is a ${f.kind} field; a ${value?.tag} value does not compare with it`);
  };
  switch (value?.tag) {
    case 'null':
      return null;
    case 'text':
      return f.kind === 'text' ? value.val : refuse();
    case 'boolean':
      return f.kind === 'boolean' ? value.val : refuse();
    case 'real':
      return f.kind === 'real' ? value.val : refuse();
    case 'integer':
      if (f.kind === 'bigint') return value.val;
      if (f.kind === 'integer' || f.kind === 'timestamp') return fieldFromWit(f, value.val);
      if (f.kind === 'real') return Number(value.val as bigint);
      return refuse();
    default:
      return refuse();
  }
}

const cases: Readonly<Record<string, string>> = {
  NOT_FOUND: 'not-found',
  CONFLICT: 'conflict',
  VALIDATION: 'validation',
  DUPLICATE: 'duplicate',
  UNKNOWN_FIELD: 'unknown-field',
  INVALID_QUERY: 'invalid-query',
  INVALID_CURSOR: 'invalid-cursor',
  BUSY: 'busy',
};

/**
 * A repository's error as the guest's case. The database's own failures (`SQL`, `UNREADABLE_ROW`,
 * `PUBLISH_FAILED`, …) become `internal` without their message, which may name tables; the
 * host's log has them. `NO_TENANT` is handled by the binding (a denial).
 */
export function repositoryErrorToWit(error: RepositoryError): WitError | undefined {
  const tag = cases[error.code];
  if (tag === undefined) return undefined;
  if (error.code === 'DUPLICATE')
    return witError(tag, `${error.entity}: another entity has this ${error.fields?.join(' or ') ?? 'unique value'}`);
  return witError(tag, error.message);
}
