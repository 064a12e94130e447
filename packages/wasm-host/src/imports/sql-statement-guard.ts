/**
 * Which statements a component may send, decided by their text before anything runs: the
 * second line of defence. The first is the engine: raw SQL from a component runs only in a sql
 * sandbox (its own read-only connection for read-only grants, dangerous built-ins replaced, a
 * deadline, a result budget; see the README), or, without one, only as statements the host
 * registered by name.
 *
 * The text is tokenised (comments, string literals and quoted identifiers skipped as words, so
 * `'DELETE'` in a string is data) and refused on any bare keyword that can write, under a
 * read-only grant. A false refusal (an unquoted column named `set`) is possible; a write that
 * gets through as a read should not be. Under any grant, statements that reach outside the
 * database are refused: ATTACH, PRAGMA, VACUUM, and functions or table-valued pragmas that load
 * code, touch files or have side effects — named bare, quoted (`"fts3_tokenizer"(?)`, `[…]`,
 * `` `…` ``) or as a string (`FROM 'pragma_optimize'`), since SQLite resolves all of those.
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

/** Never allowed as a bare word: statements that reach outside the database or change the connection. */
const outside = new Set(['ATTACH', 'DETACH', 'PRAGMA', 'VACUUM']);

/** Functions never allowed, however their name is written (bare, quoted, or as a string). */
const blockedNames = new Set([
  'LOAD_EXTENSION',
  'READFILE',
  'WRITEFILE',
  'EDIT',
  'LSDIR',
  'FTS3_TOKENIZER',
  'LO_IMPORT',
  'LO_EXPORT',
  'PG_READ_FILE',
  'PG_READ_BINARY_FILE',
  'DBLINK',
]);

/** Table-valued pragmas that only read the schema; every other `pragma_*` is refused. */
const readablePragmas = new Set([
  'PRAGMA_TABLE_INFO',
  'PRAGMA_TABLE_XINFO',
  'PRAGMA_TABLE_LIST',
  'PRAGMA_INDEX_LIST',
  'PRAGMA_INDEX_INFO',
  'PRAGMA_INDEX_XINFO',
  'PRAGMA_FOREIGN_KEY_LIST',
]);

/** Functions that write however they are called: FTS3/4's `optimize()` rewrites the index's shadow tables. */
const writingNames = new Set(['OPTIMIZE']);

/** The statements a read-only grant may start with. */
const readStarts = new Set(['SELECT', 'WITH', 'VALUES']);

/**
 * Why `statement` is refused under `access`, or `undefined` when it may run. `script` is true
 * for `execute-script` (several statements); everything else must be a single statement.
 */
export function statementProblem(statement: string, access: SqlAccess, script = false): string | undefined {
  const { words, names, statements } = scan(statement);
  for (const word of words) {
    if (outside.has(word)) return `${word} is not allowed from a component`;
  }
  for (const name of names) {
    if (blockedNames.has(name)) return `${name.toLowerCase()}() is not allowed from a component`;
    if (name.startsWith('PRAGMA_') && !readablePragmas.has(name))
      return `${name.toLowerCase()} is not allowed from a component`;
  }
  if (access === 'read-write') return undefined;
  if (script || statements > 1) return 'a read-only grant allows one statement at a time';
  const first = words[0];
  if (first === undefined || !readStarts.has(first))
    return `a read-only grant allows only SELECT, WITH and VALUES, not ${first ?? 'an empty statement'}`;
  for (const word of words) {
    if (writing.has(word)) return `${word} can write, and the grant is read-only`;
  }
  for (const name of names) {
    if (writingNames.has(name)) return `${name.toLowerCase()}() can write, and the grant is read-only`;
  }
  return undefined;
}

/**
 * The bare words of a statement (upper-cased), every name it could call or read (bare words,
 * quoted identifiers and string literals, upper-cased), and how many statements it holds.
 */
function scan(sql: string): { words: string[]; names: string[]; statements: number } {
  const words: string[] = [];
  const names: string[] = [];
  let statements = 0;
  let pending = false;
  let i = 0;
  const n = sql.length;
  // Skips a quoted run and keeps its content, a doubled closing quote read as one.
  const quoted = (close: string, doubled: boolean) => {
    let content = '';
    i++;
    while (i < n) {
      const c = sql[i] as string;
      if (c === close) {
        if (doubled && sql[i + 1] === close) {
          content += c;
          i += 2;
          continue;
        }
        i++;
        break;
      }
      content += c;
      i++;
    }
    names.push(content.toUpperCase());
    pending = true;
  };
  while (i < n) {
    const c = sql[i] as string;
    if (c === '-' && sql[i + 1] === '-') {
      while (i < n && sql[i] !== '\n') i++;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
    } else if (c === "'" || c === '"' || c === '`') {
      quoted(c, true);
    } else if (c === '[') {
      quoted(']', false);
    } else if (c === ';') {
      if (pending) statements++;
      pending = false;
      i++;
    } else if (/[A-Za-z_]/.test(c)) {
      const start = i;
      while (i < n && /[A-Za-z0-9_$]/.test(sql[i] as string)) i++;
      const word = sql.slice(start, i).toUpperCase();
      words.push(word);
      names.push(word);
      pending = true;
    } else {
      if (!/\s/.test(c)) pending = true;
      i++;
    }
  }
  if (pending) statements++;
  return { words, names, statements };
}
