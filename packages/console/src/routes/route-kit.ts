import { err, ok, type Result, type ResultAsync } from '@keel/core';
import { fromDomain, type HttpFailure } from '../console-errors.js';
import type { Reply } from '../http-io.js';

/** A JSON reply. */
export function json(body: unknown, status = 200): Result<Reply, HttpFailure> {
  return ok({ status, json: body });
}

/** A registry's or workflows' result, its error as the failure its code means. */
export async function domain<T>(r: ResultAsync<T, { code: string; message: string }>): Promise<Result<T, HttpFailure>> {
  const settled = await r;
  return settled.isOk() ? ok(settled.value) : err(fromDomain(settled.error));
}

/** The values of several results, or the first failure among them: a route checks its inputs in one step. */
export function all<T extends unknown[]>(
  ...results: { [K in keyof T]: Result<T[K], HttpFailure> }
): Result<T, HttpFailure> {
  const values: unknown[] = [];
  for (const r of results) {
    if (r.isErr()) return err(r.error);
    values.push(r.value);
  }
  return ok(values as T);
}

/** A JSON object body, or 400 naming what it is instead. */
export function objectBody(body: unknown, what: string): Result<Record<string, unknown>, HttpFailure> {
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) return ok(body as Record<string, unknown>);
  return err({ status: 400, code: 'BAD_REQUEST', message: `the body must be a JSON object (${what})` });
}
