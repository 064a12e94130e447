import { err, ok, type Result } from '@keel/core';
import { failure, type HttpFailure } from './console-errors.js';

const namePattern = /^[a-z0-9][a-z0-9./-]{0,99}$/;
const versionPattern = /^[A-Za-z0-9][A-Za-z0-9.+_-]{0,63}$/;

/**
 * A module name from a URL or a form, checked before it reaches the registry: the registry's
 * pattern, and — since a name is also a path in URLs, files and the CLI — no empty, `.` or `..`
 * segment (`a/../b`, `a//b`). 400 `BAD_REQUEST` naming the value.
 */
export function moduleName(value: string | undefined): Result<string, HttpFailure> {
  if (value === undefined) return err(failure('BAD_REQUEST', "the module's name is missing"));
  const segments = value.split('/');
  if (!namePattern.test(value) || segments.some((s) => s === '' || s === '.' || s === '..'))
    return err(
      failure(
        'BAD_REQUEST',
        `${JSON.stringify(value.slice(0, 120))} is not a module name: lower-case letters, digits, '-', '.', '/' (1–100), no empty, '.' or '..' segment`,
      ),
    );
  return ok(value);
}

/** A version from a URL or a form: the registry's pattern. */
export function moduleVersion(value: string | undefined): Result<string, HttpFailure> {
  if (value === undefined) return err(failure('BAD_REQUEST', "the module's version is missing"));
  if (!versionPattern.test(value))
    return err(
      failure(
        'BAD_REQUEST',
        `${JSON.stringify(value.slice(0, 80))} is not a version: letters, digits, '.', '+', '_', '-' (1–64)`,
      ),
    );
  return ok(value);
}

/** An integer query parameter in [min, max], or its default when absent. */
export function intParam(
  query: URLSearchParams,
  name: string,
  min: number,
  max: number,
  fallback: number | undefined,
): Result<number | undefined, HttpFailure> {
  const raw = query.get(name);
  if (raw === null) return ok(fallback);
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw) || n < min || n > max)
    return err(failure('BAD_REQUEST', `the query parameter '${name}' must be an integer from ${min} to ${max}`));
  return ok(n);
}
