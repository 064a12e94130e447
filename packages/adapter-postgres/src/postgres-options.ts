import { boolean, integer, maxTimerMs, oneOf, option, shaped, text } from '@keel/core/adapter';
import * as v from 'valibot';

export const isolationLevels = ['read committed', 'repeatable read', 'serializable'] as const;

/**
 * The options of `createPostgresSql`, declared once: the type, the checks and the README table
 * come from here. Where the server is comes from `connectionString`, the separate fields, or
 * both (a field overrides the same part of the URL). The URL is checked when the pool opens, so
 * that a bad one is a `CONNECTION` Err that never repeats the password.
 *
 * @example
 * const { poolSize } = parseOptions(postgresSqlOptions, { connectionString: 'postgres://app@db/app' }, 'createPostgresSql');
 */
export const postgresSqlOptions = v.strictObject({
  connectionString: option(text(), {
    description:
      '`postgres://user:password@host:port/database?sslmode=require`, as libpq takes it. Checked at open; its password never appears in an error.',
  }),
  host: option(text(), {
    defaultText: "the URL's, else 'localhost'",
    description: 'Host name, IP address, or the folder of a Unix socket.',
  }),
  port: option(integer(1, 65_535), { defaultText: "the URL's, else 5432", description: 'TCP port.' }),
  database: option(text(), { defaultText: "the URL's, else the user name", description: 'Database name.' }),
  user: option(text(), { defaultText: "the URL's, else the OS user", description: 'Role to log in as.' }),
  // A checked string would echo a wrong value in the options error; `password` is checked by name only.
  password: option(
    shaped<string>('a string', () => true),
    { defaultText: "the URL's, else none", description: 'Password (never shown in an error or a log).' },
  ),
  ssl: option(v.union([boolean(), v.literal('no-verify')], "expected true, false or 'no-verify'"), {
    defaultText: "the URL's sslmode, else PGSSLMODE, else false",
    description:
      "TLS: `true` verifies the server's certificate against the system's CAs, `'no-verify'` encrypts without " +
      'checking who answers (a self-signed server), `false` sends in the clear.',
  }),
  poolSize: option(integer(1, 10_000), {
    default: 10,
    description:
      'Most connections open at once. When every one is busy, statements are pipelined on them; a transaction or ' +
      'script needs one of its own and waits for it (`health()` shows `waiting`).',
  }),
  connectTimeoutMs: option(integer(1, maxTimerMs), {
    default: 10_000,
    description:
      'How long opening a connection may take (TCP, TLS, login) before it is a `CONNECTION` Err; also how long a ' +
      'call may wait for a connection while every one is held (by transactions, or pipelined full).',
  }),
  idleTimeoutMs: option(integer(0, maxTimerMs), {
    default: 10_000,
    description: 'A connection unused this long is closed; `0` keeps idle connections open.',
  }),
  statementTimeoutMs: option(integer(0, maxTimerMs), {
    default: 0,
    description:
      "PostgreSQL's `statement_timeout`: a statement running longer is cancelled and is a `QUERY` Err. `0`: no limit.",
  }),
  transactionTimeoutMs: option(integer(1, maxTimerMs), {
    default: 30_000,
    description:
      'A transaction still open this long after `begin` is rolled back (a statement still running in it is ' +
      'cancelled) and its later calls are `TRANSACTION` Errs. A safety net, not a query timeout.',
  }),
  isolationLevel: option(oneOf(isolationLevels), {
    default: 'read committed',
    description:
      'Isolation of every transaction. Under `repeatable read` and `serializable` a conflict is a `BUSY` Err: retry ' +
      'the transaction.',
  }),
  prepareStatements: option(boolean(), {
    default: true,
    description:
      'Prepare each statement once per connection, so that the server skips parsing and planning on later runs. ' +
      '`false` for a pooler that cannot keep prepared statements (PgBouncer in transaction mode without ' +
      '`max_prepared_statements`); it costs a round trip per statement with parameters.',
  }),
  statementCacheSize: option(integer(0, 100_000), {
    default: 500,
    description:
      'Statements whose parameters were rewritten to `$n`, kept for reuse (least recently used dropped). ' +
      'postgres.js keeps up to 1000 prepared statements per connection apart from these.',
  }),
  applicationName: option(text(), {
    default: 'keel',
    description: "`application_name`, shown in `pg_stat_activity` and the server's logs.",
  }),
});

/** Options of `createPostgresSql`. */
export type PostgresSqlOptions = v.InferInput<typeof postgresSqlOptions>;
/** The options with every default filled in. */
export type ResolvedPostgresSqlOptions = v.InferOutput<typeof postgresSqlOptions>;
