/**
 * Which statements a component may send, decided before the adapter sees them.
 *
 * The contract has no engine-level read-only switch (SQLite's `stmt.readonly` or
 * `PRAGMA query_only` are not reachable through it), so the host classifies the text itself,
 * conservatively: it tokenises the statement (skipping comments, string literals and quoted
 * identifiers, so `'DELETE'` in a string is data) and refuses on any keyword that can write.
 * A false refusal (a column named `set` that is not quoted) is possible; a write that gets
 * through as a read should not be (`replace()` the function is fine; `REPLACE INTO` has INTO). Under any grant, statements that reach outside the database
 * (ATTACH, PRAGMA, VACUUM INTO, loading extensions) are refused.
 */
export type SqlAccess = 'read-only' | 'read-write';

/** Keywords that only a writing (or transaction- or session-changing) statement contains. */
const writing = new Set([
  'INSERT',
  'UPDATE',
  'DELETE',
  'UPSERT',
  'MERGE',
  'CREATE',
  'DROP',
  'ALTER',
  'TRUNCATE',
  'REINDEX',
  'ANALYZE',
  'BEGIN',
  'COMMIT',
  'ROLLBACK',
  'SAVEPOINT',
  'RELEASE',
  'GRANT',
  'REVOKE',
  'COPY',
  'LOCK',
  'CALL',
  'DO',
  'EXEC',
  'EXECUTE',
  'SET',
  'RESET',
  'INTO',
  'NOTIFY',
  'LISTEN',
  'UNLISTEN',
  'DISCARD',
  'CLUSTER',
  'REFRESH',
  'COMMENT',
  'NEXTVAL',
  'SETVAL',
]);

/** Never allowed: they reach outside the database or change the connection. */
const outside = new Set([
  'ATTACH',
  'DETACH',
  'PRAGMA',
  'VACUUM',
  'LOAD_EXTENSION',
  'READFILE',
  'WRITEFILE',
  'EDIT',
  'FTS3_TOKENIZER',
  'LO_IMPORT',
  'LO_EXPORT',
  'PG_READ_FILE',
  'PG_READ_BINARY_FILE',
  'DBLINK',
]);

/** The statements a read-only grant may start with. */
const readStarts = new Set(['SELECT', 'WITH', 'VALUES']);

/**
 * Why `statement` is refused under `access`, or `undefined` when it may run. `script` is true
 * for `execute-script` (several statements); everything else must be a single statement.
 */
export function statementProblem(statement: string, access: SqlAccess, script = false): string | undefined {
  const { words, statements } = scan(statement);
  for (const word of words) {
    if (outside.has(word)) return `${word} is not allowed from a component`;
  }
  if (access === 'read-write') return undefined;
  if (script || statements > 1) return 'a read-only grant allows one statement at a time';
  const first = words[0];
  if (first === undefined || !readStarts.has(first))
    return `a read-only grant allows only SELECT, WITH and VALUES, not ${first ?? 'an empty statement'}`;
  for (const word of words) {
    if (writing.has(word)) return `${word} can write, and the grant is read-only`;
  }
  return undefined;
}

/** The bare words of a statement (upper-cased) and how many statements it holds. */
function scan(sql: string): { words: string[]; statements: number } {
  const words: string[] = [];
  let statements = 0;
  let pending = false;
  let i = 0;
  const n = sql.length;
  const skipQuoted = (close: string, doubled: boolean) => {
    i++;
    while (i < n) {
      if (sql[i] === close) {
        if (doubled && sql[i + 1] === close) {
          i += 2;
          continue;
        }
        i++;
        return;
      }
      i++;
    }
  };
  while (i < n) {
    const c = sql[i] as string;
    if (c === '-' && sql[i + 1] === '-') {
      while (i < n && sql[i] !== '\n') i++;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
    } else if (c === "'") {
      pending = true;
      skipQuoted("'", true);
    } else if (c === '"' || c === '`') {
      pending = true;
      skipQuoted(c, true);
    } else if (c === '[') {
      pending = true;
      skipQuoted(']', false);
    } else if (c === ';') {
      if (pending) statements++;
      pending = false;
      i++;
    } else if (/[A-Za-z_]/.test(c)) {
      const start = i;
      while (i < n && /[A-Za-z0-9_$]/.test(sql[i] as string)) i++;
      words.push(sql.slice(start, i).toUpperCase());
      pending = true;
    } else {
      if (!/\s/.test(c)) pending = true;
      i++;
    }
  }
  if (pending) statements++;
  return { words, statements };
}
