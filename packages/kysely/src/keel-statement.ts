import type { CompiledQuery } from 'kysely';

/**
 * Whether a query is sent as the contract's `query` (it returns rows) or `execute` (it changes
 * data and reports rows affected and the insert id). A built query says so by its node: a select,
 * or a write with `RETURNING`. Raw SQL (`sql\`…\``) is judged by its first word: only a known
 * write or schema statement without `RETURNING` is executed; anything else is queried: a write
 * sent as `query` still runs (only its count is lost), a read sent as `execute` would lose its rows.
 *
 * @example
 * returnsRows(db.selectFrom('users').selectAll().compile()); // true
 */
export function returnsRows(compiled: CompiledQuery): boolean {
  const node = compiled.query;
  switch (node.kind) {
    case 'SelectQueryNode':
      return true;
    case 'InsertQueryNode':
    case 'UpdateQueryNode':
    case 'DeleteQueryNode':
    case 'MergeQueryNode':
      return node.returning !== undefined;
    case 'RawNode':
      return !writes.has(firstWord(compiled.sql)) || returning.test(compiled.sql);
    default:
      // Schema builders (create table, alter, drop, index, view, type) never return rows.
      return false;
  }
}

const writes = new Set([
  'INSERT',
  'UPDATE',
  'DELETE',
  'REPLACE',
  'MERGE',
  'UPSERT',
  'CREATE',
  'ALTER',
  'DROP',
  'TRUNCATE',
  'GRANT',
  'REVOKE',
  'COMMENT',
]);
const returning = /\bRETURNING\b/i;

/** The statement's first word, upper-cased, after any leading comments. */
function firstWord(text: string): string {
  const match = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*([A-Za-z]+)/.exec(text);
  return match?.[1]?.toUpperCase() ?? '';
}
