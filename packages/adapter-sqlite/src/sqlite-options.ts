import { boolean, integer, maxTimerMs, oneOf, option, required, shaped, text } from '@keel/core/adapter';
import * as v from 'valibot';

export const journalModes = ['wal', 'delete', 'truncate', 'persist', 'memory', 'off'] as const;
export const synchronousModes = ['off', 'normal', 'full', 'extra'] as const;

// Pragma names and values are spliced into SQL, so both are held to plain words and numbers.
const pragmaName = v.pipe(
  v.string('expected a pragma name'),
  v.regex(/^[a-z_]+$/i, 'expected a pragma name (letters and underscores)'),
);
const pragmaValue = shaped<string | number | undefined>(
  'a number or a plain word',
  (value) =>
    value === undefined || // left out, as if not given
    (typeof value === 'number' ? Number.isFinite(value) : typeof value === 'string' && /^[\w.-]+$/.test(value)),
);

// A record schema takes an array for an empty object; pragmas are named, so an array is refused first.
const pragmaRecord = v.pipe(
  v.custom<Readonly<Record<string, string | number | undefined>>>(
    (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
    'expected an object of pragmas ({ name: value })',
  ),
  v.record(pragmaName, pragmaValue),
  v.metadata({ type: 'record of a number or a plain word' }),
);

/**
 * The options of `createSqliteSql`, declared once: the type, the checks and the README table come from here.
 *
 * @example
 * const { filename, busyTimeoutMs } = parseOptions(sqliteSqlOptions, { filename: './data/app.db' }, 'createSqliteSql');
 */
export const sqliteSqlOptions = v.strictObject({
  filename: required(
    v.pipe(
      v.string('expected a file path'),
      v.check((path) => path !== '', "expected a file path (or ':memory:' for an in-memory database)"),
    ),
    'The database file, or `:memory:` for a private in-memory database. A missing file is created, and so are ' +
      'its missing parent folders (unless `readonly` or `fileMustExist`). Relative paths resolve against the ' +
      'working directory.',
  ),
  readonly: option(boolean(), {
    default: false,
    description: 'Open read-only: writes are `ACCESS_DENIED`; a missing file or folder is a `CONNECTION` Err.',
  }),
  fileMustExist: option(boolean(), {
    default: false,
    description: 'A missing file (or folder) is a `CONNECTION` Err instead of being created.',
  }),
  journalMode: option(oneOf(journalModes), {
    default: 'wal',
    description:
      '`PRAGMA journal_mode`. WAL lets readers in other processes run while one writes and makes commits cheap. ' +
      'Ignored for `:memory:` (always `memory`) and read-only databases.',
  }),
  synchronous: option(oneOf(synchronousModes), {
    default: 'normal',
    description:
      '`PRAGMA synchronous`, how hard a commit pushes data to disk; see [Durability](#durability). ' +
      '`off` risks corruption on a power loss.',
  }),
  foreignKeys: option(boolean(), { default: true, description: '`PRAGMA foreign_keys`: enforce `REFERENCES`.' }),
  busyTimeoutMs: option(integer(0, maxTimerMs), {
    default: 5000,
    description:
      "How long a statement waits for another process's lock before it is `BUSY`, in ms. The wait blocks the " +
      'event loop (better-sqlite3 is synchronous).',
  }),
  transactionTimeoutMs: option(integer(1, maxTimerMs), {
    default: 30_000,
    description:
      'A transaction still open this long after `begin` is rolled back, its later calls are `TRANSACTION` Errs ' +
      'and the work queued behind it runs. A safety net for a caller that never commits, not a query timeout.',
  }),
  statementCacheSize: option(integer(0, 100_000), {
    default: 200,
    description: 'Prepared statements kept for reuse (least recently used dropped first); `0` prepares every time.',
  }),
  pragmas: option(pragmaRecord, {
    default: {},
    description:
      'Extra pragmas run at open, after the ones above (`{ cache_size: -64000, mmap_size: 268435456 }`). ' +
      'Names are letters and underscores; values are numbers or plain words.',
  }),
  nativeBinding: option(text(), {
    defaultText: "better-sqlite3's own",
    description: "Path of better-sqlite3's native addon, for bundled apps and single executables.",
  }),
});

/** Options of `createSqliteSql`. */
export type SqliteSqlOptions = v.InferInput<typeof sqliteSqlOptions>;
/** The options with every default filled in. */
export type ResolvedSqliteSqlOptions = v.InferOutput<typeof sqliteSqlOptions>;
