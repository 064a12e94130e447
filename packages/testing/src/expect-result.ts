import type { Result } from '@keel/core';
import { expect } from 'vitest';

/** The value of an `Ok`; fails the test with the error when it is an `Err`. */
export function expectOk<T, E>(result: Result<T, E>): T {
  if (result.isErr()) expect.fail(`expected Ok, got Err: ${String((result.error as Error)?.message ?? result.error)}`);
  return result._unsafeUnwrap();
}

/** The error of an `Err` with the given code; fails the test otherwise. */
export function expectErr<T, E extends { code: string }>(result: Result<T, E>, code: E['code']): E {
  if (result.isOk()) expect.fail(`expected Err ${code}, got Ok(${String(result.value)})`);
  const error = result._unsafeUnwrapErr();
  expect(error.code, error instanceof Error ? error.message : '').toBe(code);
  return error;
}
