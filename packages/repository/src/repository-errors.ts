import { KeelError, type KeelErrorInit, SqlError } from '@keel/core';

/** Why a repository operation failed. Codes are stable; messages are not. */
export type RepositoryErrorCode =
  /** No entity with that id (in this tenant; soft-deleted ones count as absent unless `withDeleted`). */
  | 'NOT_FOUND'
  /** `expectedVersion` is not the stored version: someone changed it first. `currentVersion` says what it is. */
  | 'CONFLICT'
  /** The entity fails its schema (or a value does not fit its field's storage kind); `issues` name the fields. */
  | 'VALIDATION'
  /** Another entity has this id or a value of a unique field (`fields` lists the candidates). */
  | 'DUPLICATE'
  /** A patch, filter or order names a field the definition does not have (`field`). */
  | 'UNKNOWN_FIELD'
  /** A filter or order the field cannot take: an unknown operator, a value of the wrong type, a limit out of range. */
  | 'INVALID_QUERY'
  /** The cursor was altered, is malformed, or was made for another query, repository or tenant. */
  | 'INVALID_CURSOR'
  /** A tenant-scoped repository was used outside `runInContext({ tenantId })`; nothing ran. */
  | 'NO_TENANT'
  /** `{ tx }` is not a transaction (a plain `Sql` where a `SqlTransaction` is needed). */
  | 'NOT_IN_TRANSACTION'
  /** The events publisher refused the entity's event; the change was rolled back. */
  | 'PUBLISH_FAILED'
  /** A stored row cannot be read as the definition says (edited outside the repository). */
  | 'UNREADABLE_ROW'
  /** The database was busy (a lock wait ran out, a serialization failure, a deadlock): try again. */
  | 'BUSY'
  /** Any other database failure; the `SqlError` is the `cause`. */
  | 'SQL'
  /** `repository.sync` met what only an await can answer: a schema whose validation returns a Promise. */
  | 'UNSUPPORTED';

/** One problem with an entity, a patch or a query. */
export interface RepositoryIssue {
  /** The field, dotted (`address.city`); empty for the entity as a whole. */
  readonly path: string;
  readonly message: string;
}

export interface RepositoryErrorInit extends KeelErrorInit<RepositoryErrorCode> {
  /** The repository's entity name. */
  readonly entity: string;
  /** The field at fault, when one is (`UNKNOWN_FIELD`, `VALIDATION`, `INVALID_QUERY`, `DUPLICATE`). */
  readonly field?: string;
  readonly issues?: readonly RepositoryIssue[];
  /** The stored version, on `CONFLICT`. */
  readonly currentVersion?: number;
  /** The fields whose values collided, on `DUPLICATE`. */
  readonly fields?: readonly string[];
}

/**
 * The error of every repository operation. An underlying `SqlError` (or the events publisher's
 * error) is the `cause`.
 *
 * @example
 * const saved = await tasks.update(id, { title }, { expectedVersion: 3 });
 * if (saved.isErr() && saved.error.code === 'CONFLICT') reload(saved.error.currentVersion);
 */
export class RepositoryError extends KeelError<RepositoryErrorCode> {
  override readonly name = 'RepositoryError';
  readonly entity: string;
  readonly field?: string;
  readonly issues?: readonly RepositoryIssue[];
  readonly currentVersion?: number;
  readonly fields?: readonly string[];

  constructor(init: RepositoryErrorInit) {
    super({ ...init, adapter: init.adapter ?? 'repository' });
    this.entity = init.entity;
    if (init.field !== undefined) this.field = init.field;
    if (init.issues !== undefined) this.issues = init.issues;
    if (init.currentVersion !== undefined) this.currentVersion = init.currentVersion;
    if (init.fields !== undefined) this.fields = init.fields;
  }
}

/** Builds the errors of one repository, each naming its entity. */
export interface Failures {
  (code: RepositoryErrorCode, op: string, message: string, extra?: Partial<RepositoryErrorInit>): RepositoryError;
  /** A database failure as a repository error: a unique or primary key violation is `DUPLICATE`. */
  sql(op: string, uniqueFields: readonly string[]): (cause: unknown) => RepositoryError;
}

export function failures(entity: string): Failures {
  const make = (code: RepositoryErrorCode, op: string, message: string, extra: Partial<RepositoryErrorInit> = {}) =>
    new RepositoryError({ ...extra, code, op, entity, message: `${entity}.${op}: ${message}` });
  const sql = (op: string, uniqueFields: readonly string[]) => (cause: unknown) => {
    if (cause instanceof RepositoryError) return cause;
    if (!(cause instanceof SqlError)) return make('SQL', op, String((cause as Error)?.message ?? cause), { cause });
    if (
      cause.code === 'CONSTRAINT_VIOLATION' &&
      (cause.constraint === 'unique' || cause.constraint === 'primary-key')
    ) {
      const fields = cause.constraint === 'primary-key' ? [uniqueFields[0] as string] : uniqueFields.slice(1);
      const what = fields.length === 0 ? 'unique value' : fields.join(' or ');
      return make('DUPLICATE', op, `another entity already has this ${what} (${cause.message})`, {
        cause,
        fields,
        ...(fields.length === 1 ? { field: fields[0] } : {}),
      });
    }
    return make(cause.code === 'BUSY' ? 'BUSY' : 'SQL', op, cause.message, { cause });
  };
  return Object.assign(make, { sql });
}
