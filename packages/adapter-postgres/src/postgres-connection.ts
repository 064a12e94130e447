import type { SqlError } from '@keel/core';
import { parse } from 'pg-connection-string';
import type { PoolConfig } from 'pg';
import { isServerError, sqlError } from './postgres-errors.js';
import type { ResolvedPostgresSqlOptions } from './postgres-options.js';
import { getTypeParser } from './postgres-values.js';

/** Where the pool connects, and how to name it in a message (never with the password). */
export interface PostgresTarget {
  readonly config: PoolConfig;
  /** `postgres://user@host:5432/database`. */
  readonly display: string;
  /** The password, so that messages can be checked for it; `undefined` when there is none. */
  readonly secret: string | undefined;
}

/**
 * Session settings every connection starts with (sent in the startup packet, so they cost no
 * round trip): they fix the text Keel reads values from (see the README's values table).
 */
const sessionSettings = [
  'DateStyle=ISO,YMD',
  'IntervalStyle=iso_8601',
  'TimeZone=UTC',
  'extra_float_digits=1',
  'bytea_output=hex',
  'standard_conforming_strings=on',
]
  .map((setting) => `-c ${setting}`)
  .join(' ');

/**
 * The pool's configuration: the URL's parts, overridden by the separate options. Throws a
 * `CONNECTION` SqlError for a URL that cannot be read.
 */
export function postgresTarget(options: ResolvedPostgresSqlOptions): PostgresTarget {
  const fromUrl: Partial<ReturnType<typeof parse>> =
    options.connectionString === undefined ? {} : readUrl(options.connectionString);
  const pick = <T>(own: T | undefined, url: T | undefined | null | '') =>
    own ?? (url === '' ? undefined : (url ?? undefined));
  const host = pick(options.host, fromUrl.host);
  const port = pick(options.port, fromUrl.port ? Number(fromUrl.port) : undefined);
  const database = pick(options.database, fromUrl.database);
  const user = pick(options.user, fromUrl.user);
  const password = pick(options.password, fromUrl.password);
  const urlSsl = fromUrl.ssl;
  const ssl: PoolConfig['ssl'] =
    options.ssl === undefined
      ? typeof urlSsl === 'object' && urlSsl !== null
        ? (urlSsl as PoolConfig['ssl'])
        : urlSsl === true
      : options.ssl === 'no-verify'
        ? { rejectUnauthorized: false }
        : options.ssl;
  const extraOptions = typeof fromUrl.options === 'string' ? ` ${fromUrl.options}` : '';
  const config: PoolConfig = {
    ...(host === undefined ? {} : { host }),
    ...(port === undefined ? {} : { port }),
    ...(database === undefined ? {} : { database }),
    ...(user === undefined ? {} : { user }),
    ...(password === undefined ? {} : { password }),
    ssl,
    max: options.poolSize,
    connectionTimeoutMillis: options.connectTimeoutMs,
    idleTimeoutMillis: options.idleTimeoutMs,
    ...(options.statementTimeoutMs > 0 ? { statement_timeout: options.statementTimeoutMs } : {}),
    application_name: options.applicationName,
    options: sessionSettings + extraOptions,
    types: { getTypeParser } as unknown as PoolConfig['types'],
  };
  const display = `postgres://${user === undefined ? '' : `${encodeURIComponent(user)}@`}${host ?? 'localhost'}:${port ?? 5432}/${database ?? user ?? ''}`;
  return { config, display, secret: password === '' ? undefined : password };
}

function readUrl(url: string): ReturnType<typeof parse> {
  if (!/^postgres(?:ql)?:\/\//i.test(url)) {
    throw sqlError(
      'CONNECTION',
      'connectionString must be a URL starting postgres:// or postgresql:// (postgres://user:password@host:5432/database)',
      'open',
    );
  }
  try {
    return parse(url);
  } catch {
    // The parser's error may quote the URL; say what is wrong without it.
    throw sqlError(
      'CONNECTION',
      'connectionString is not a valid URL: check the host, the port (a number) and that special characters in the user or password are percent-encoded',
      'open',
    );
  }
}

/**
 * The error for a pool that could not open, saying what to fix. The message and the `cause`
 * never hold the password: a cause that might (it is not the server's own error) is dropped.
 */
export function openFailure(thrown: unknown, target: PostgresTarget, connectTimeoutMs: number): SqlError {
  const where = `cannot connect to PostgreSQL at ${target.display}`;
  const reason = failureReason(thrown, connectTimeoutMs, target.config.ssl !== false);
  const message = redact(`${where}: ${reason}`, target.secret);
  const safe = isServerError(thrown) || isSystemError(thrown);
  const cause = safe && !mentions(thrown, target.secret) ? thrown : undefined;
  return sqlError('CONNECTION', message, 'open', cause);
}

function failureReason(thrown: unknown, connectTimeoutMs: number, ssl: boolean): string {
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
        return 'no Unix socket there (ENOENT); check the host (a socket folder) and the port';
      default:
        return `${thrown.message} (${thrown.code})`;
    }
  }
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  if (/timeout/i.test(message))
    return `no answer within connectTimeoutMs (${connectTimeoutMs} ms); check the host and port, and any firewall between`;
  if (/does not support SSL/i.test(message))
    return 'the server does not accept TLS; set ssl to false, or enable TLS on the server';
  return message;
}

interface SystemError extends Error {
  readonly code: string;
  readonly syscall?: string;
}

function isSystemError(thrown: unknown): thrown is SystemError {
  return (
    thrown instanceof Error &&
    typeof (thrown as SystemError).code === 'string' &&
    /^E[A-Z_]+$/.test((thrown as SystemError).code)
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
