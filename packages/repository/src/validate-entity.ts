import { err, ok, type Result } from '@keel/core';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { FieldLayout, RepositoryDefinition } from './definition-types.js';
import { kindProblem } from './field-kinds.js';
import { type Step, wait } from './operation-steps.js';
import type { Failures, RepositoryError, RepositoryIssue } from './repository-errors.js';

type Entity = Record<string, unknown>;
export type Checked = Result<Entity, RepositoryError>;

/**
 * Runs the definition's schema on a value, then holds the output to the fields: each value
 * of its kind, `null` only where nullable, missing only where optional, nothing the fields do
 * not name. Synchronous when the schema is (valibot's and zod's usually are).
 */
export function validateEntity(
  definition: RepositoryDefinition<object, string, unknown>,
  fail: Failures,
  op: string,
  value: unknown,
): Checked | Promise<Checked> {
  const outcome = definition.schema['~standard'].validate(value);
  if (outcome instanceof Promise) return outcome.then((o) => checked(definition, fail, op, o));
  return checked(definition, fail, op, outcome);
}

/** Why `repository.sync` refuses a schema that validates asynchronously. */
export const asyncSchema =
  "the definition's schema validates asynchronously (its validate returned a Promise), which repository.sync " +
  'cannot wait for; use the asynchronous repository, or a schema that validates synchronously';

/** `validateEntity` as a step of an operation: an asynchronous schema is waited for (see `WaitStep`). */
export function* validated(
  definition: RepositoryDefinition<object, string, unknown>,
  fail: Failures,
  op: string,
  value: unknown,
): Generator<Step, Checked, unknown> {
  const outcome = validateEntity(definition, fail, op, value);
  return outcome instanceof Promise ? yield* wait(op, outcome, asyncSchema) : outcome;
}

/** An asynchronous schema's outcome waited for as a step (see `WaitStep`), then given to `then`. */
export function* waited<R>(
  op: string,
  outcome: Promise<Checked>,
  then: (valid: Checked) => R,
): Generator<Step, R, unknown> {
  return then(yield* wait(op, outcome, asyncSchema));
}

function checked(
  definition: RepositoryDefinition<object, string, unknown>,
  fail: Failures,
  op: string,
  outcome: StandardSchemaV1.Result<unknown>,
): Checked {
  if (outcome.issues) {
    const issues = outcome.issues.map(toIssue);
    return err(invalid(fail, op, issues));
  }
  const entity = outcome.value as Entity;
  if (typeof entity !== 'object' || entity === null)
    return err(invalid(fail, op, [{ path: '', message: 'the schema did not output an object' }]));
  const issues: RepositoryIssue[] = [];
  for (const f of definition.fields) {
    const problem = fieldProblem(f, entity[f.name]);
    if (problem) issues.push({ path: f.name, message: problem });
  }
  if (issues.length > 0) return err(invalid(fail, op, issues));
  const names = fieldNames(definition);
  for (const key in entity) {
    if (entity[key] !== undefined && !names.has(key)) {
      const message = `the schema output has field ${key}, which the definition's fields do not store; add it to fields or drop it from the schema`;
      return err(fail('UNKNOWN_FIELD', op, message, { field: key }));
    }
  }
  return ok(entity);
}

const namesOf = new WeakMap<object, ReadonlySet<string>>();

/** The names of a definition's own fields, worked out once per definition. */
function fieldNames(definition: RepositoryDefinition<object, string, unknown>): ReadonlySet<string> {
  let names = namesOf.get(definition);
  if (names === undefined) namesOf.set(definition, (names = new Set(definition.fields.map((f) => f.name))));
  return names;
}

/** Why a value cannot be stored in a field, or `undefined`. */
export function fieldProblem(f: FieldLayout, value: unknown): string | undefined {
  if (value === undefined) return f.optional ? undefined : `${f.name} is required`;
  if (value === null) return f.nullable ? undefined : `${f.name} cannot be null`;
  const problem = kindProblem(f.kind, value);
  return problem && `${f.name} is stored as ${f.kind}: ${problem}`;
}

function invalid(fail: Failures, op: string, issues: RepositoryIssue[]): RepositoryError {
  const text = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
  const field = issues[0]?.path;
  return fail('VALIDATION', op, `invalid entity: ${text}`, { issues, ...(field ? { field } : {}) });
}

function toIssue(issue: StandardSchemaV1.Issue): RepositoryIssue {
  const path = (issue.path ?? [])
    .map((segment) => String(typeof segment === 'object' ? segment.key : segment))
    .join('.');
  return { path, message: issue.message };
}
