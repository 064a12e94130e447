import type { StandardSchemaV1 } from '@standard-schema/spec';
import { err, ok, ResultAsync, type Result } from '@keel/core';
import { jobsError, type JobsError } from './jobs-errors.js';

/**
 * Checks a payload against a job's Standard Schema (sync or async) and returns the schema's
 * output; without a schema the payload as given. Each issue is named by its path.
 */
export function validatePayload(
  name: string,
  schema: StandardSchemaV1 | undefined,
  payload: unknown,
  op: string,
): ResultAsync<unknown, JobsError> {
  if (schema === undefined) return new ResultAsync(Promise.resolve(ok(payload)));
  return new ResultAsync(
    (async () => {
      let outcome: StandardSchemaV1.Result<unknown>;
      try {
        outcome = await schema['~standard'].validate(payload);
      } catch (thrown) {
        return err(jobsError('VALIDATION', op, `job '${name}': the payload schema threw: ${String(thrown)}`, thrown));
      }
      if (outcome.issues === undefined) return ok(outcome.value);
      const problems = outcome.issues.map((issue) => `${pathOf(issue)}${issue.message}`).join('; ');
      return err(jobsError('VALIDATION', op, `job '${name}': invalid payload: ${problems}`, outcome.issues));
    })(),
  );
}

/** A payload or result as stored: JSON text, or `VALIDATION` when it has none (a bigint, a cycle, a function). */
export function toJson(value: unknown, what: string, op: string): Result<string, JobsError> {
  try {
    const text = JSON.stringify(value);
    if (typeof text === 'string') return ok(text);
  } catch (thrown) {
    return err(jobsError('VALIDATION', op, `${what} cannot be stored as JSON: ${(thrown as Error).message}`, thrown));
  }
  return err(jobsError('VALIDATION', op, `${what} cannot be stored as JSON (it is ${typeof value})`));
}

function pathOf(issue: StandardSchemaV1.Issue): string {
  if (!issue.path || issue.path.length === 0) return '';
  const keys = issue.path.map((p) => (typeof p === 'object' ? p.key : p));
  return `${keys.map(String).join('.')}: `;
}
