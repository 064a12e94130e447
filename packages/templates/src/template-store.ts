import { err, ok, type Result, type Sql, type SqlTransaction, type SqlValue } from '@keel/core';
import type { TemplateSource } from './compile-template.js';
import { templatesError, type TemplatesError } from './templates-errors.js';

/** One stored version of a template in a locale. */
export interface TemplateVersion extends TemplateSource {
  readonly name: string;
  readonly locale: string;
  readonly version: number;
  readonly createdAt: number;
}

/** The sql side of the templates: versions in, versions out. Errors are `STORE` with the `SqlError` as cause. */
export function templateStore(sql: Sql, table: string) {
  const columns = 'name, locale, version, subject, mjml, text_part, created_at';
  return {
    /**
     * Inserts the next version of (name, locale) in one transaction. Two saves racing for the
     * same number: the loser's insert violates the primary key and it tries the next number.
     */
    async insert(
      name: string,
      locale: string,
      source: TemplateSource,
      now: number,
    ): Promise<Result<number, TemplatesError>> {
      for (let attempt = 0; ; attempt++) {
        const saved = await sql.transaction(async (tx: SqlTransaction) => {
          const top = await tx.query(`SELECT MAX(version) FROM ${table} WHERE name = ? AND locale = ?`, [name, locale]);
          if (top.isErr()) return err(top.error);
          const version = Number(top.value.rows[0]?.[0] ?? 0) + 1;
          const text = source.text ?? null;
          const row: SqlValue[] = [name, locale, version, source.subject, source.mjml, text, now];
          const done = await tx.execute(`INSERT INTO ${table} (${columns}) VALUES (?, ?, ?, ?, ?, ?, ?)`, row);
          return done.isErr() ? err(done.error) : ok(version);
        });
        if (saved.isOk()) return ok(saved.value);
        if (saved.error.code !== 'CONSTRAINT_VIOLATION' || attempt >= 5) {
          return err(
            templatesError('STORE', 'save', `saving ${name} (${locale}) failed: ${saved.error.message}`, saved.error),
          );
        }
      }
    },

    /** A version, or the newest when `version` is undefined, read through `db` (a caller's transaction); `undefined` when there is none. */
    async find(
      name: string,
      locale: string,
      version: number | undefined,
      db: Pick<Sql, 'query'> = sql,
    ): Promise<Result<TemplateVersion | undefined, TemplatesError>> {
      const found =
        version === undefined
          ? await db.query(
              `SELECT ${columns} FROM ${table} WHERE name = ? AND locale = ? ORDER BY version DESC LIMIT 1`,
              [name, locale],
            )
          : await db.query(`SELECT ${columns} FROM ${table} WHERE name = ? AND locale = ? AND version = ?`, [
              name,
              locale,
              version,
            ]);
      if (found.isErr()) return err(templatesError('STORE', 'find', `reading ${name} failed`, found.error));
      const row = found.value.rows[0];
      return ok(row === undefined ? undefined : toVersion(row));
    },

    /** Every version of a template, newest first, each locale's together. */
    async list(name: string): Promise<Result<TemplateVersion[], TemplatesError>> {
      const found = await sql.query(`SELECT ${columns} FROM ${table} WHERE name = ? ORDER BY locale, version DESC`, [
        name,
      ]);
      if (found.isErr()) return err(templatesError('STORE', 'versions', `reading ${name} failed`, found.error));
      return ok(found.value.rows.map(toVersion));
    },
  };
}

function toVersion(row: readonly SqlValue[]): TemplateVersion {
  const [name, locale, version, subject, mjml, text, createdAt] = row;
  return {
    name: String(name),
    locale: String(locale),
    version: Number(version),
    subject: String(subject),
    mjml: String(mjml),
    ...(text === null || text === undefined ? {} : { text: String(text) }),
    createdAt: Number(createdAt),
  };
}
