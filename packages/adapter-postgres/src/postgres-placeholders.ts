/**
 * A statement with the contract's parameter markers rewritten to PostgreSQL's `$n`, worked out
 * once per statement text. The tokenizer skips everything PostgreSQL reads as one token that may
 * contain marker-like text: string literals (`'…'`, `E'…'`, `U&'…'`, `B'…'`, `X'…'`), quoted
 * identifiers, `--` and nested `/* … *\/` comments, dollar-quoted bodies (`$$…$$`, `$tag$…$tag$`)
 * and `::` casts.
 */
export interface RewrittenStatement {
  readonly text: string;
  /** `positional`: `?`, `?NNN`, `$NNN`; `named`: `:name`, `@name`, `$name`. */
  readonly kind: 'none' | 'positional' | 'named';
  /** Positional: the highest parameter number. Named: how many distinct names. */
  readonly count: number;
  /** Named: the name bound to `$i + 1`, each once, in order of first use. */
  readonly names: readonly string[];
  /** The first keyword, upper-cased (after comments), for refusing transaction control. */
  readonly keyword: string;
  /** Why the statement cannot be bound safely; set, the statement is never sent. */
  readonly problem: string | undefined;
}

/**
 * The most parameters one statement may take: PostgreSQL's protocol counts them in 16 bits (65535),
 * and postgres.js refuses 65534 and more.
 */
const maxParameters = 65_533;

enum Ch {
  Tab = 9,
  Newline = 10,
  Space = 32,
  Dollar = 36,
  Quote = 39,
  DoubleQuote = 34,
  Star = 42,
  Minus = 45,
  Slash = 47,
  Zero = 48,
  Nine = 57,
  Colon = 58,
  Less = 60,
  Question = 63,
  At = 64,
  Backslash = 92,
}

/**
 * Rewrites `?`, `?NNN`, `$NNN`, `:name`, `@name` and `$name` to `$n`. A plain `?` takes the
 * number after the highest used so far (as SQLite numbers it), so `?2, ?` binds 2 then 3.
 *
 * @example
 * rewritePlaceholders("SELECT ':x' || :x, ?"); // problem: mixed named and positional
 * rewritePlaceholders('SELECT :a, @b, :a').text; // 'SELECT $1, $2, $1'
 */
export function rewritePlaceholders(sql: string): RewrittenStatement {
  const n = sql.length;
  let out = '';
  let copied = 0;
  let positional = 0;
  let highest = 0;
  const named = new Map<string, number>();
  let firstMarker: string | undefined;
  let mixed: string | undefined;
  let problem: string | undefined;
  let keyword: string | undefined;

  const mark = (start: number, end: number, replacement: string, isNamed: boolean) => {
    const marker = sql.slice(start, end);
    if (firstMarker === undefined) firstMarker = marker;
    else if (isNamed !== named.size > 0 || (isNamed && positional > 0)) mixed ??= marker;
    out += sql.slice(copied, start) + replacement;
    copied = end;
  };

  let i = 0;
  while (i < n && problem === undefined) {
    const c = sql.charCodeAt(i);
    if (c === Ch.Quote) {
      const end = skipQuoted(sql, i, Ch.Quote, false);
      if (end < 0) problem = unterminated('string literal', sql, i);
      i = end;
    } else if (c === Ch.DoubleQuote) {
      const end = skipQuoted(sql, i, Ch.DoubleQuote, false);
      if (end < 0) problem = unterminated('quoted identifier', sql, i);
      i = end;
    } else if (c === Ch.Minus && sql.charCodeAt(i + 1) === Ch.Minus) {
      const end = sql.indexOf('\n', i + 2);
      i = end < 0 ? n : end + 1;
    } else if (c === Ch.Slash && sql.charCodeAt(i + 1) === Ch.Star) {
      const end = skipBlockComment(sql, i);
      if (end < 0) problem = unterminated('/* comment', sql, i);
      i = end;
    } else if (c === Ch.Question) {
      const digits = digitsEnd(sql, i + 1);
      const number = digits > i + 1 ? Number(sql.slice(i + 1, digits)) : highest + 1;
      if (number < 1 || number > maxParameters) problem = outOfRange(sql.slice(i, digits));
      positional++;
      highest = Math.max(highest, number);
      mark(i, digits, `$${number}`, false);
      i = digits;
    } else if (c === Ch.Dollar) {
      const digits = digitsEnd(sql, i + 1);
      if (digits > i + 1) {
        const number = Number(sql.slice(i + 1, digits));
        if (number < 1 || number > maxParameters) problem = outOfRange(sql.slice(i, digits));
        positional++;
        highest = Math.max(highest, number);
        mark(i, digits, `$${number}`, false);
        i = digits;
        continue;
      }
      const tagEnd = nameEnd(sql, i + 1, false);
      if (sql.charCodeAt(tagEnd) === Ch.Dollar) {
        // `$$` or `$tag$`: a dollar-quoted body runs to the same delimiter.
        const delimiter = sql.slice(i, tagEnd + 1);
        const close = sql.indexOf(delimiter, tagEnd + 1);
        if (close < 0) problem = unterminated(`dollar-quoted body (${delimiter})`, sql, i);
        i = close < 0 ? n : close + delimiter.length;
      } else if (tagEnd > i + 1) {
        i = markNamed(i, tagEnd);
      } else {
        i++;
      }
    } else if (c === Ch.Colon) {
      if (sql.charCodeAt(i + 1) === Ch.Colon) {
        // A `::type` cast (or more colons): never a marker.
        let end = i + 2;
        while (sql.charCodeAt(end) === Ch.Colon) end++;
        i = end;
        continue;
      }
      const end = nameEnd(sql, i + 1, true);
      i = end > i + 1 ? markNamed(i, end) : i + 1;
    } else if (c === Ch.At) {
      const before = sql.charCodeAt(i - 1);
      const end = nameEnd(sql, i + 1, true);
      // `@@` and `<@` are operators (text search, containment): the name after them is a column.
      if (end > i + 1 && before !== Ch.At && before !== Ch.Less) i = markNamed(i, end);
      else i++;
    } else if (isNameStart(c)) {
      const end = nameEnd(sql, i, true);
      const word = sql.slice(i, end);
      keyword ??= word.toUpperCase();
      if ((word === 'E' || word === 'e') && sql.charCodeAt(end) === Ch.Quote) {
        const close = skipQuoted(sql, end, Ch.Quote, true);
        if (close < 0) problem = unterminated('E string literal', sql, i);
        i = close;
      } else {
        i = end;
      }
    } else if (c >= Ch.Zero && c <= Ch.Nine) {
      // A number, with any letters glued to it (`1e5`, `0x1F`): no marker starts inside it.
      i = Math.max(nameEnd(sql, digitsEnd(sql, i), true), i + 1);
    } else {
      if (keyword === undefined && !isSpace(c)) keyword = '';
      i++;
    }
  }

  function markNamed(start: number, end: number): number {
    const name = sql.slice(start + 1, end);
    let index = named.get(name);
    if (index === undefined) named.set(name, (index = named.size + 1));
    mark(start, end, `$${index}`, true);
    return end;
  }

  if (problem === undefined && mixed !== undefined) {
    problem = `the statement mixes positional and named parameters (${firstMarker} and ${mixed}); use one kind`;
  }
  if (problem === undefined && named.size > maxParameters)
    problem = `the statement has more than ${maxParameters} parameters`;
  const kind = named.size > 0 ? 'named' : positional > 0 ? 'positional' : 'none';
  return {
    text: copied === 0 ? sql : out + sql.slice(copied),
    kind,
    count: kind === 'named' ? named.size : highest,
    names: [...named.keys()],
    keyword: keyword ?? '',
    problem,
  };
}

/** The index just past a quoted token starting at `start`, or -1 when it never closes. */
function skipQuoted(sql: string, start: number, quote: number, backslashes: boolean): number {
  let i = start + 1;
  const n = sql.length;
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (backslashes && c === Ch.Backslash) i += 2;
    else if (c === quote) {
      if (sql.charCodeAt(i + 1) === quote)
        i += 2; // a doubled quote stands for one
      else return i + 1;
    } else i++;
  }
  return -1;
}

/** PostgreSQL's block comments nest. */
function skipBlockComment(sql: string, start: number): number {
  let depth = 0;
  let i = start;
  const n = sql.length;
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (c === Ch.Slash && sql.charCodeAt(i + 1) === Ch.Star) {
      depth++;
      i += 2;
    } else if (c === Ch.Star && sql.charCodeAt(i + 1) === Ch.Slash) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  return -1;
}

function digitsEnd(sql: string, start: number): number {
  let i = start;
  while (i < sql.length) {
    const c = sql.charCodeAt(i);
    if (c < Ch.Zero || c > Ch.Nine) break;
    i++;
  }
  return i;
}

/** The end of a name starting at `start` (itself a name start, else `start`); `$` continues identifiers, not tags. */
function nameEnd(sql: string, start: number, dollar: boolean): number {
  if (start >= sql.length || !isNameStart(sql.charCodeAt(start))) return start;
  let i = start + 1;
  while (i < sql.length) {
    const c = sql.charCodeAt(i);
    if (!(isNameStart(c) || (c >= Ch.Zero && c <= Ch.Nine) || (dollar && c === Ch.Dollar))) break;
    i++;
  }
  return i;
}

/** Letters, `_`, and every non-ASCII character, as PostgreSQL's lexer takes them. */
function isNameStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c >= 128;
}

function isSpace(c: number): boolean {
  return c === Ch.Space || c === Ch.Tab || c === Ch.Newline || c === 13 || c === 12 || c === 11;
}

function unterminated(what: string, sql: string, at: number): string {
  return `the statement has an unterminated ${what} starting at offset ${at} (${JSON.stringify(sql.slice(at, at + 20))}); parameters cannot be placed safely`;
}

function outOfRange(marker: string): string {
  return `parameter ${marker} is out of range (1 to ${maxParameters})`;
}
