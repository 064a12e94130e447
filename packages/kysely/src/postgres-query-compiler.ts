import { PostgresQueryCompiler } from 'kysely';

/**
 * PostgreSQL SQL with `?` placeholders: Keel's contract binds `?` by position on every adapter
 * (the PostgreSQL adapter numbers them itself). So the jsonb operators `?`, `?|` and `?&` must be
 * written as functions (`jsonb_exists`, `jsonb_exists_any`, `jsonb_exists_all`).
 */
export class KeelPostgresQueryCompiler extends PostgresQueryCompiler {
  protected override getCurrentParameterPlaceholder(): string {
    return '?';
  }
}
