// @ts-check
// The few checks the sandbox makes on a statement's words, because the engine acts before any
// verdict can be read: SQLite applies a PRAGMA while preparing it (even under EXPLAIN), ATTACH
// and VACUUM INTO run on a read-only connection, and a script shows nothing of its statements.

/** Statements the sandbox never prepares. */
const refusedStarts = new Set(['PRAGMA', 'ATTACH', 'DETACH', 'VACUUM', 'EXPLAIN']);
/** Transactions are the sandbox's own requests (`begin`, `commit`, `rollback`). */
const transactionStarts = new Set(['BEGIN', 'COMMIT', 'END', 'ROLLBACK', 'SAVEPOINT', 'RELEASE']);

/** A refusal with a `SqlSandboxErrorCode`, which the parent keeps. */
export class Refusal extends Error {
  /** @param {string} code @param {string} message */
  constructor(code, message) {
    super(message);
    this.refusal = code;
  }
}

/**
 * Throws a `Refusal` for a statement that must not reach `prepare`. Leading whitespace,
 * comments and empty statements (`;`) are skipped, as SQLite skips them.
 * @param {string} text
 */
export function checkStatementStart(text) {
  const first = words(text, 1)[0] ?? '';
  if (refusedStarts.has(first)) throw new Refusal('ACCESS_DENIED', `${first} is not allowed in the sandbox`);
  if (transactionStarts.has(first))
    throw new Refusal('TRANSACTION', 'transaction statements are not run directly; use begin()');
}

/**
 * Why a script is refused, or `undefined`. Any bare word that starts a refused statement is
 * refused wherever it stands (a column called `vacuum` must be quoted in a script).
 * @param {string} text
 */
export function scriptProblem(text) {
  for (const word of words(text)) {
    if (refusedStarts.has(word)) return `${word} is not allowed in the sandbox`;
  }
  return undefined;
}

/**
 * The bare words of `sql`, upper-cased, skipping comments, string literals and quoted
 * identifiers (`"…"`, `` `…` ``, `[…]`): none of those can be a keyword.
 * @param {string} sql @param {number} [limit]
 */
export function words(sql, limit = Number.POSITIVE_INFINITY) {
  /** @type {string[]} */
  const found = [];
  const n = sql.length;
  let i = 0;
  /** @param {string} close */
  const skipQuoted = (close) => {
    i++;
    while (i < n) {
      if (sql[i] === close) {
        if (close !== ']' && sql[i + 1] === close) i += 2;
        else return void i++;
      } else i++;
    }
  };
  while (i < n && found.length < limit) {
    const c = /** @type {string} */ (sql[i]);
    if (c === '-' && sql[i + 1] === '-') {
      while (i < n && sql[i] !== '\n') i++;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
    } else if (c === "'" || c === '"' || c === '`') {
      skipQuoted(c);
    } else if (c === '[') {
      skipQuoted(']');
    } else if (/[A-Za-z_]/.test(c)) {
      const start = i;
      while (i < n && /[A-Za-z0-9_$]/.test(/** @type {string} */ (sql[i]))) i++;
      found.push(sql.slice(start, i).toUpperCase());
    } else {
      i++;
    }
  }
  return found;
}
