import { errAsync, type ResultAsync } from '@keel/core';
import type { Queryable, RunStore } from './run-store.js';
import { fromDatabase, type WorkflowsError, workflowsError } from './workflows-errors.js';
import type { ListRunsOptions, RunPage, RunState } from './workflows-types.js';

const STATES: readonly RunState[] = ['running', 'completed', 'failed', 'cancelled'];
const MAX_LIMIT = 500;

/**
 * `workflows.list`: a page of runs, newest first. The cursor is the last run's creation time and
 * id (base64url JSON), so a page goes on after it however many runs start meanwhile.
 */
export function listRuns(
  store: RunStore,
  q: Queryable,
  options: ListRunsOptions = {},
): ResultAsync<RunPage, WorkflowsError> {
  const invalid = (message: string) => errAsync(workflowsError('INVALID_ARGUMENT', 'list', `list: ${message}`));
  const { workflow, state, limit = 50, cursor } = options;
  if (workflow !== undefined && typeof workflow !== 'string') return invalid('workflow must be a string');
  if (state !== undefined && !STATES.includes(state)) return invalid(`state must be one of ${STATES.join(', ')}`);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
    return invalid(`limit must be an integer from 1 to ${MAX_LIMIT}, got ${String(limit)}`);
  const after = cursor === undefined ? undefined : decodeCursor(cursor);
  if (after === null) return invalid('cursor is not one this list gave');
  // One more than asked tells whether there is a next page.
  return store
    .list(q, { workflow, state }, after, limit + 1)
    .mapErr((e) => fromDatabase('list', 'listing runs')(e as Error))
    .map((found) => {
      const runs = found.slice(0, limit);
      const last = runs.at(-1);
      return { runs, next: found.length > limit && last ? encodeCursor(last.createdAt, last.id) : undefined };
    });
}

function encodeCursor(createdAt: number, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
}

function decodeCursor(cursor: unknown): { createdAt: number; id: string } | null {
  if (typeof cursor !== 'string' || cursor.length > 200) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return null;
    const [createdAt, id] = value as [unknown, unknown];
    return Number.isSafeInteger(createdAt) && typeof id === 'string' ? { createdAt: createdAt as number, id } : null;
  } catch {
    return null;
  }
}
