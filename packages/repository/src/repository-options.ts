import type { KeelLogger, Result, ResultAsync, SqlTransaction } from '@keel/core';
import { clockOption, option, withMethods } from '@keel/core/adapter';
import * as v from 'valibot';
import type { JsonValue } from './field-kinds.js';

/** What a repository publishes: `<Entity>Created`, `<Entity>Updated` or `<Entity>Deleted`. */
export interface RepositoryEvent {
  readonly type: string;
  /** The entity's id, as text. */
  readonly aggregateId: string;
  readonly data: RepositoryEventData;
}

/** The data of a repository event: JSON only (Dates as ISO text, bigints as decimal text). */
export interface RepositoryEventData {
  /** `create` → Created; `update`, `restore`, `revert` → Updated; `delete`, `purge` → Deleted. */
  readonly operation: string;
  /** The entity after the change (before it, for a purge): its fields and `version`, `createdAt`, …. */
  readonly entity: { readonly [field: string]: JsonValue };
  /** The fields that changed, old → new. */
  readonly changes: { readonly [field: string]: { readonly old: JsonValue; readonly new: JsonValue } };
}

/**
 * Where a repository publishes its events, in the transaction of the change: `@keel/events`'s
 * `events` object fits, and so does any object with this method.
 */
export interface RepositoryEventPublisher {
  publish(
    tx: SqlTransaction,
    events: RepositoryEvent[],
  ): ResultAsync<unknown, unknown> | PromiseLike<Result<unknown, unknown>>;
}

const prefix = v.pipe(
  v.string('expected lower-case letters, digits and _'),
  v.regex(/^[a-z_][a-z0-9_]{0,40}$/, 'expected lower-case letters, digits and _ (at most 41)'),
);

const schema = v.strictObject({
  events: option(withMethods<RepositoryEventPublisher>('an events publisher ({ publish(tx, events) })', ['publish']), {
    defaultText: 'none',
    description:
      'Publishes `<Entity>Created`, `<Entity>Updated` and `<Entity>Deleted` with `publish(tx, events)` in the ' +
      "change's transaction (`@keel/events`); a refusal rolls the change back. Without it nothing is published.",
  }),
  tablePrefix: option(prefix, {
    default: 'keel_repository_',
    description: 'Prefix of the audit and versions tables (`<prefix>audit`, `<prefix>versions`).',
  }),
  cursorSecret: option(v.pipe(v.string('expected a string'), v.minLength(16, 'expected at least 16 characters')), {
    defaultText: 'none',
    description:
      'Key of the HMAC that seals `findMany` cursors. Without it a cursor still fails when altered or used with ' +
      'another query, repository or tenant, but one could be forged by whoever reads this code.',
  }),
  clock: clockOption('Where the time of `createdAt`, `updatedAt`, `deletedAt` and audit records comes from.'),
  logger: option(withMethods<KeelLogger>('a logger (debug, info, warn, error, child)', ['warn', 'error', 'child']), {
    defaultText: 'silent',
    description:
      'Where a refused event (`PUBLISH_FAILED`: the change was rolled back) is logged (warn); pass `keel.logger`.',
  }),
});

type Schema = typeof schema;
/** The schema's type, named so that declarations name it. */
export interface RepositoryOptionsSchema extends Schema {}
/** The options of `createRepository`, declared once. */
export const repositoryOptions: RepositoryOptionsSchema = schema;
/** Options of `createRepository`. */
export type RepositoryOptions = v.InferInput<typeof repositoryOptions>;
export type ResolvedRepositoryOptions = v.InferOutput<typeof repositoryOptions>;
