import type { SqlError } from '@keel/core';
import postgres, { type Options, type Sql } from 'postgres';
import { isServerError, sqlError } from './postgres-errors.js';
import type { ResolvedPostgresSqlOptions } from './postgres-options.js';
import { valueTypes } from './postgres-values.js';

/** A postgres.js pool with Keel's value types. */
export type PostgresPool = Sql<Record<string, unknown>>;

/** Where the pool connects: postgres.js' URL and options, and the password so messages can be checked for it. */
export interface PostgresTarget {
  readonly url: string | undefined;
  readonly options: Options<typeof valueTypes>;
  /** The password; `undefined` when there is none. */
  readonly secret: string | undefined;
  /** `postgres://user@host:5432/database`, from Keel's reading of the options (the pool's own is better). */
  readonly display: string;
}

/**
 * Session settings every connection starts with (sent in the startup packet, so they cost no
 * round trip): they fix the text Keel reads values from (see the README's values table).
 */
const sessionSettings = {
  DateStyle: 'ISO, YMD',
  IntervalStyle: 'iso_8601',
  TimeZone: 'UTC',
  extra_float_digits: 1,
  bytea_output: 'hex',
  standard_conforming_strings: 'on',
};

/** Seconds, as postgres.js takes its timeouts. */
const seconds = (ms: number) => ms / 1000;

/**
 * The pool's configuration: the URL (postgres.js reads it, libpq's way), overridden by the
 * separate options. Every postgres.js setting that changes what Keel sees is given here, so that
 * no `PG…` environment variable changes it. Throws a `CONNECTION` SqlError for a URL it cannot read.
 */
export function postgresTarget(options: ResolvedPostgresSqlOptions): PostgresTarget {
  const url = options.connectionString === undefined ? undefined : readUrl(options.connectionString);
  const pick = <T>(...values: (T | undefined)[]) => values.find((v) => v !== undefined && v !== '');
  const secret = pick(options.password, url && decode(url.password));
  const ssl =
    options.ssl === undefined ? undefined : options.ssl === 'no-verify' ? 'require' : options.ssl && 'verify-full';
  const target: Options<typeof valueTypes> = {
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.database === undefined ? {} : { database: options.database }),
    ...(options.user === undefined ? {} : { username: options.user }),
    ...(options.password === undefined ? {} : { password: options.password }),
    ...(ssl === undefined ? {} : { ssl }),
    max: options.poolSize,
    min: 0,
    connect_timeout: seconds(options.connectTimeoutMs),
    // A call waiting for a connection (every one held) gives up after the connect timeout, as it did on pg's pool.
    queue_timeout: seconds(options.connectTimeoutMs),
    idle_timeout: seconds(options.idleTimeoutMs),
    query_timeout: 0,
    cancel_timeout: 5,
    // While the server is down calls fail at once; it is tried again at most a second after each failure.
    backoff: (attempts: number) => Math.min(0.05 * 2 ** attempts, 1),
    prepare: options.prepareStatements,
    infer: false,
    fetch_types: false,
    debug: false,
    onnotice: false,
    types: valueTypes,
    connection: {
      application_name: options.applicationName,
      ...sessionSettings,
      ...(options.statementTimeoutMs > 0 ? { statement_timeout: options.statementTimeoutMs } : {}),
    },
  };
  const user = pick(options.user, url && decode(url.username));
  const host = pick(options.host, url?.hostname) ?? 'localhost';
  const port = pick(options.port, url?.port ? Number(url.port) : undefined) ?? 5432;
  const database = pick(options.database, url && decode(url.pathname.slice(1))) ?? user ?? '';
  return {
    url: options.connectionString,
    options: target,
    secret,
    display: `postgres://${user === undefined ? '' : `${encodeURIComponent(user)}@`}${host}:${port}/${database}`,
  };
}

/** The pool (it connects on the first call); throws a `CONNECTION` SqlError for settings postgres.js refuses. */
export function createPool(target: PostgresTarget): PostgresPool {
  try {
    return (target.url === undefined
      ? postgres(target.options)
      : postgres(target.url, target.options)) as unknown as PostgresPool;
  } catch (thrown) {
    throw openFailure(thrown, target, undefined);
  }
}

/** `postgres://user@host:5432/database` as the pool reads it (environment and defaults included), never with the password. */
export function displayPool(pool: PostgresPool): string {
  const o = pool.options;
  const user = typeof o.user === 'string' ? `${encodeURIComponent(o.user)}@` : '';
  const where = o.path ? o.path.replace(/\/\.s\.PGSQL\.\d+$/, '') : o.host[0];
  return `postgres://${user}${where}:${o.port[0]}/${o.database ?? ''}`;
}

function readUrl(url: string): URL {
  if (!/^postgres(?:ql)?:\/\//i.test(url)) {
    throw sqlError(
      'CONNECTION',
      'connectionString must be a URL starting postgres:// or postgresql:// (postgres://user:password@host:5432/database)',
      'open',
    );
  }
  try {
    return new URL(url);
  } catch {
    // The parser's error may quote the URL; say what is wrong without it.
    throw sqlError(
      'CONNECTION',
      'connectionString is not a valid URL: check the host, the port (a number) and that special characters in the user or password are percent-encoded',
      'open',
    );
  }
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/**
 * The error for a pool that could not open, saying what to fix. The message and the `cause`
 * never hold the password: a cause that might (it is not the server's own error) is dropped.
 */
export function openFailure(thrown: unknown, target: PostgresTarget, pool: PostgresPool | undefined): SqlError {
  const where = `cannot connect to PostgreSQL at ${pool ? displayPool(pool) : target.display}`;
  const ssl = target.options.ssl !== undefined ? target.options.ssl !== false : !!pool?.options.ssl;
  const reason = failureReason(thrown, target.options.connect_timeout as number, ssl);
  const message = redact(`${where}: ${reason}`, target.secret);
  const safe = isServerError(thrown) || isSystemError(thrown) || isDriverError(thrown);
  const cause = safe && !mentions(thrown, target.secret) ? thrown : undefined;
  return sqlError('CONNECTION', message, 'open', cause);
}

function failureReason(thrown: unknown, connectTimeout: number, ssl: boolean): string {
  if (isServerError(thrown)) {
    switch (thrown.code) {
      case '3D000':
        return `${thrown.message}; create it, or fix the database name`;
      case '28P01':
        return `${thrown.message}; check the user name and password`;
      case '28000':
        // pg_hba.conf has no line for a connection without TLS ("SSL off" before PostgreSQL 12).
        if (!ssl && /no encryption|SSL off/.test(thrown.message))
          return `${thrown.message}; set ssl (true, or 'no-verify' for a self-signed certificate) if the server requires TLS, else ask for a pg_hba.conf line for this user, database and host`;
        return `${thrown.message}; check the user name${ssl ? '' : ', and set ssl if the server requires TLS'} (the server's pg_hba.conf decides who may log in from where)`;
      case '57P03':
        return `${thrown.message}; the server is starting or shutting down, try again shortly`;
      case '53300':
        return `${thrown.message}; lower poolSize or raise the server's max_connections`;
      default:
        return `${thrown.message} (SQLSTATE ${thrown.code})`;
    }
  }
  if (isSystemError(thrown)) {
    switch (thrown.code) {
      case 'ECONNREFUSED':
        return 'nothing accepts connections there (ECONNREFUSED); check the host and port, and that PostgreSQL is running';
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return `the host name does not resolve (${thrown.code}); check the host`;
      case 'ETIMEDOUT':
      case 'EHOSTUNREACH':
      case 'ENETUNREACH':
        return `the host cannot be reached (${thrown.code}); check the host, the port and the network`;
      case 'ENOENT':
        return `no such file (ENOENT): check the host (a socket folder), the port and any sslrootcert, sslcert or sslkey in the URL`;
      default:
        return `${thrown.message} (${thrown.code})`;
    }
  }
  const code = isDriverError(thrown) ? thrown.code : undefined;
  if (code === 'CONNECT_TIMEOUT')
    return `no answer within connectTimeoutMs (${connectTimeout * 1000} ms); check the host and port, and any firewall between`;
  // postgres.js tries again after a connection closed during login or too many connections (53300).
  if (code === 'QUEUE_TIMEOUT')
    return `no connection within connectTimeoutMs (${connectTimeout * 1000} ms): the server did not answer, or kept refusing (starting up, too many connections); check the host and port, and the server's log`;
  if (code === 'SSL_NOT_SUPPORTED')
    return 'the server does not accept TLS; set ssl to false, or enable TLS on the server';
  return thrown instanceof Error ? thrown.message : String(thrown);
}

interface CodedError extends Error {
  readonly code: string;
}

function isSystemError(thrown: unknown): thrown is CodedError {
  return (
    thrown instanceof Error &&
    typeof (thrown as CodedError).code === 'string' &&
    /^E[A-Z_]+$/.test((thrown as CodedError).code)
  );
}

/** One of postgres.js' own errors (`CONNECT_TIMEOUT`, `SSL_NOT_SUPPORTED`, …): its text is its own, without the settings. */
function isDriverError(thrown: unknown): thrown is CodedError {
  return (
    thrown instanceof Error &&
    typeof (thrown as CodedError).code === 'string' &&
    /^[A-Z_]+$/.test((thrown as CodedError).code)
  );
}

function redact(text: string, secret: string | undefined): string {
  return secret ? text.split(secret).join('***') : text;
}

/** Whether the password shows anywhere in an error's text or own fields. */
function mentions(thrown: unknown, secret: string | undefined): boolean {
  if (!secret) return false;
  try {
    return `${String(thrown)} ${JSON.stringify(thrown)}`.includes(secret);
  } catch {
    return true;
  }
}
