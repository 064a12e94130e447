import type { Sql } from '@keel/core';
import type { SqlCapabilities } from '@keel/core';
import type { ConformanceOptions } from './harness.js';
import { Harness } from './harness.js';

/**
 * The sql suite writes portable SQL (`CREATE TABLE`, `INSERT`, `SELECT`, `?` parameters) with
 * SQLite's column types; an engine that needs other DDL overrides it with `types`.
 */
export interface SqlConformanceOptions extends ConformanceOptions<Sql, SqlCapabilities> {
  /** Column types for the suite's tables. @default { integer: 'INTEGER', real: 'REAL', text: 'TEXT', blob: 'BLOB' } */
  readonly types?: Partial<Record<'integer' | 'real' | 'text' | 'blob', string>>;
}

export class SqlHarness extends Harness<Sql, SqlCapabilities> {
  declare readonly options: SqlConformanceOptions;

  async sql(): Promise<Sql> {
    return this.instance();
  }

  type(name: 'integer' | 'real' | 'text' | 'blob'): string {
    return this.options.types?.[name] ?? name.toUpperCase();
  }

  /** A fresh database with an `accounts` table and a `vals` table of every value type. */
  async withSchema(): Promise<Sql> {
    const sql = await this.sql();
    const t = (n: 'integer' | 'real' | 'text' | 'blob') => this.type(n);
    const script = [
      `CREATE TABLE accounts (id ${t('integer')} PRIMARY KEY, owner ${t('text')} NOT NULL UNIQUE, balance ${t('integer')} NOT NULL CHECK (balance >= 0))`,
      `CREATE TABLE vals (id ${t('integer')} PRIMARY KEY, i ${t('integer')}, r ${t('real')}, t ${t('text')}, b ${t('blob')})`,
      `CREATE TABLE notes (id ${t('integer')} PRIMARY KEY, account_id ${t('integer')} NOT NULL REFERENCES accounts(id), body ${t('text')})`,
    ].join(';\n');
    const created = await sql.executeScript(script);
    if (created.isErr()) throw created.error;
    return sql;
  }
}
