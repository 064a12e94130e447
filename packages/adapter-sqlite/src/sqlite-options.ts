import { KeelOptionsError, readOptions, type OptionsReader } from '@keel/core/adapter';

export const journalModes = ['wal', 'delete', 'truncate', 'persist', 'memory', 'off'] as const;
export const synchronousModes = ['off', 'normal', 'full', 'extra'] as const;

/** Options of `createSqliteSql`. */
export interface SqliteSqlOptions {
  /** The database file, created when missing; `:memory:` for a private in-memory database. */
  readonly filename: string;
  /** Open read-only: every write is an `ACCESS_DENIED` Err. @default false */
  readonly readonly?: boolean;
  /** Fail to open (a `CONNECTION` Err) instead of creating a missing file. @default false */
  readonly fileMustExist?: boolean;
  /**
   * `PRAGMA journal_mode`. WAL lets readers in other processes run while one writes and makes
   * commits cheap. Ignored for `:memory:` (always `memory`) and read-only databases.
   * @default 'wal'
   */
  readonly journalMode?: (typeof journalModes)[number];
  /**
   * `PRAGMA synchronous`, how hard a commit pushes data to disk. With WAL, `normal` survives a
   * crash of the process (every acknowledged commit is kept) but a power loss or OS crash can
   * undo the last commits (the file stays consistent); `full` also survives a power loss, at
   * the cost of an fsync per commit. `off` risks corruption on a power loss.
   * @default 'normal'
   */
  readonly synchronous?: (typeof synchronousModes)[number];
  /** `PRAGMA foreign_keys`: enforce `REFERENCES` clauses. @default true */
  readonly foreignKeys?: boolean;
  /**
   * How long a statement waits for another process's lock before it is a `BUSY` Err, in ms.
   * The wait blocks this process's event loop (better-sqlite3 is synchronous).
   * @default 5000
   */
  readonly busyTimeoutMs?: number;
  /**
   * A transaction still open this long after `begin` is rolled back, its later calls are
   * `TRANSACTION` Errs, and the statements waiting for it run. A safety net for a caller that
   * never commits, not a query timeout.
   * @default 30000
   */
  readonly transactionTimeoutMs?: number;
  /** Prepared statements kept for reuse, least recently used dropped first; 0 prepares every time. @default 200 */
  readonly statementCacheSize?: number;
  /**
   * Extra pragmas run at open, after the ones above, such as `{ cache_size: -64000, mmap_size: 268435456 }`.
   * @default {}
   */
  readonly pragmas?: Readonly<Record<string, string | number>>;
  /** Path of better-sqlite3's native addon, for bundled apps (single executables). @default better-sqlite3's own */
  readonly nativeBinding?: string;
}

export interface ResolvedSqliteSqlOptions {
  readonly filename: string;
  readonly memory: boolean;
  readonly readonly: boolean;
  readonly fileMustExist: boolean;
  readonly journalMode: (typeof journalModes)[number];
  readonly synchronous: (typeof synchronousModes)[number];
  readonly foreignKeys: boolean;
  readonly busyTimeoutMs: number;
  readonly transactionTimeoutMs: number;
  readonly statementCacheSize: number;
  readonly pragmas: readonly (readonly [string, string | number])[];
  readonly nativeBinding: string | undefined;
}

const factory = 'createSqliteSql';
const maxTimerMs = 2 ** 31 - 1;

export function resolveSqliteSqlOptions(options: SqliteSqlOptions | undefined): ResolvedSqliteSqlOptions {
  const o = readOptions(factory, options);
  const filename = o.string('filename');
  if (filename === '')
    throw new KeelOptionsError('filename', "must not be empty (use ':memory:' for an in-memory database)", factory);
  const resolved: ResolvedSqliteSqlOptions = {
    filename,
    memory: filename === ':memory:' || filename.startsWith('file::memory:'),
    readonly: o.boolean('readonly', false),
    fileMustExist: o.boolean('fileMustExist', false),
    journalMode: o.oneOf('journalMode', journalModes, 'wal'),
    synchronous: o.oneOf('synchronous', synchronousModes, 'normal'),
    foreignKeys: o.boolean('foreignKeys', true),
    busyTimeoutMs: o.integer('busyTimeoutMs', 5000, { min: 0, max: maxTimerMs }),
    transactionTimeoutMs: o.integer('transactionTimeoutMs', 30_000, { min: 1, max: maxTimerMs }),
    statementCacheSize: o.integer('statementCacheSize', 200, { min: 0, max: 100_000 }),
    pragmas: readPragmas(o.nested('pragmas'), o.raw('pragmas')),
    nativeBinding: o.optionalString('nativeBinding'),
  };
  o.done();
  return resolved;
}

/** Pragma names and values are spliced into SQL, so both are held to plain words and numbers. */
function readPragmas(reader: OptionsReader, raw: unknown): [string, string | number][] {
  const pragmas: [string, string | number][] = [];
  for (const name of raw === undefined ? [] : Object.keys(raw as object)) {
    const value = reader.raw(name);
    if (value === undefined) continue;
    if (!/^[a-z_]+$/i.test(name)) throw new KeelOptionsError(`pragmas.${name}`, 'is not a pragma name', factory);
    if (typeof value === 'number' ? !Number.isFinite(value) : typeof value !== 'string' || !/^[\w.-]+$/.test(value)) {
      throw new KeelOptionsError(
        `pragmas.${name}`,
        `expected a number or a plain word, got ${JSON.stringify(value)}`,
        factory,
      );
    }
    pragmas.push([name, value as string | number]);
  }
  reader.done();
  return pragmas;
}
