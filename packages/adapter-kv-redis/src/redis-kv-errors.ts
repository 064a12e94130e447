import { KvError, type KvErrorCode } from '@keel/core';

/** A stored string this adapter cannot read (written by something else under its prefix). */
export function corruptValue(key: string, why: string): KvError {
  return new KvError({ code: 'INTERNAL', message: `stored value of '${key}' cannot be read: ${why}`, key });
}

export function typeMismatch(key: string, message: string): KvError {
  return new KvError({ code: 'TYPE_MISMATCH', message, key });
}

/** A problem with the connection settings, found before any connection is tried. */
export function badSettings(message: string): KvError {
  return new KvError({ code: 'INVALID_ARGUMENT', message });
}

/**
 * Why `open()` could not connect, in words that name what to fix. `where` is the server without
 * credentials; the password is in no message and no cause (the client's own error is kept only
 * as a copy of its name, message and code).
 */
export function connectFailure(where: string, thrown: unknown, tls: boolean): KvError {
  const { message, code } = describe(thrown);
  const reply = /^(WRONGPASS|NOAUTH|NOPERM)\b/.exec(message)?.[1];
  if (reply !== undefined || /without any password configured|invalid password/i.test(message)) {
    return fail('ACCESS_DENIED', `Redis at ${where} refused the credentials (${firstLine(message)}): check username and password`, thrown);
  }
  if (code === 'ECONNREFUSED') {
    return fail('UNAVAILABLE', `nothing accepts connections at ${where} (connection refused): check host and port, and that Redis runs`, thrown);
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return fail('UNAVAILABLE', `the host of ${where} does not resolve (${code}): check the host name`, thrown);
  }
  if (tls && /SSL|TLS|EPROTO|wrong version number|packet length/i.test(`${code} ${message}`)) {
    return fail('UNAVAILABLE', `TLS handshake with ${where} failed (${firstLine(message)}): does the server speak TLS? If not, set tls: false and use redis://`, thrown);
  }
  if (!tls && /closed unexpectedly|ECONNRESET|EPIPE/i.test(`${code} ${message}`)) {
    return fail('UNAVAILABLE', `Redis at ${where} closed the connection during the handshake: if it requires TLS, set tls: true or use rediss://`, thrown);
  }
  if (/ConnectionTimeout|timed? ?out/i.test(`${nameOf(thrown)} ${message}`)) {
    return fail('UNAVAILABLE', `connecting to ${where} timed out: check host, port and firewall, and whether the server ${tls ? 'speaks' : 'requires'} TLS`, thrown);
  }
  if (/^(ERR|WRONGTYPE)\b.*(DB index|invalid DB)/i.test(message)) {
    return fail('INVALID_ARGUMENT', `Redis at ${where} has no such database (${firstLine(message)}): check db`, thrown);
  }
  return fail('UNAVAILABLE', `cannot connect to Redis at ${where}: ${firstLine(message)}`, thrown);
}

/**
 * What a failed command means for the caller: a lost or slow connection is `UNAVAILABLE`, a
 * refused permission `ACCESS_DENIED`; anything else is the server's answer, `INTERNAL`.
 */
export function commandFailure(thrown: unknown): KvError {
  if (thrown instanceof KvError) return thrown;
  const { message } = describe(thrown);
  const name = nameOf(thrown);
  if (/^(NOPERM|NOAUTH|WRONGPASS)\b/.test(message)) return fail('ACCESS_DENIED', `Redis refused: ${firstLine(message)}`, thrown);
  if (/^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|READONLY)\b/.test(message)) {
    return fail('UNAVAILABLE', `Redis cannot serve the call now: ${firstLine(message)}`, thrown);
  }
  if (!isReply(thrown)) {
    const why = /Timeout/.test(name) ? 'no reply within commandTimeoutMs (a write may still have been applied)' : message;
    return fail('UNAVAILABLE', `Redis is unreachable: ${why}`, thrown);
  }
  return fail('INTERNAL', `Redis answered with an error: ${firstLine(message)}`, thrown);
}

function fail(code: KvErrorCode, message: string, thrown: unknown): KvError {
  return new KvError({ code, message, cause: safeCopy(unwrap(thrown)) });
}

/** node-redis wraps the socket's error when it stops reconnecting: the useful part is inside. */
function unwrap(thrown: unknown): unknown {
  const inner = (thrown as { socketError?: unknown } | undefined)?.socketError;
  return nameOf(thrown) === 'ReconnectStrategyError' && inner instanceof Error ? inner : thrown;
}

/** An error reply from the server (as opposed to a client-side or socket failure). */
function isReply(thrown: unknown): boolean {
  return /^(ErrorReply|SimpleError|BlobError)$/.test(nameOf(thrown)) || /Reply/.test(nameOf(thrown));
}

/** The cause, rebuilt from its name, message and code only, so no field of it can carry a secret. */
function safeCopy(thrown: unknown): Error {
  const { message, code } = describe(thrown);
  const copy = new Error(message);
  copy.name = nameOf(thrown);
  if (code !== undefined) (copy as Error & { code?: string }).code = code;
  return copy;
}

function describe(thrown: unknown): { message: string; code: string | undefined } {
  if (unwrap(thrown) !== thrown) return describe(unwrap(thrown));
  const error = thrown as { message?: unknown; code?: unknown } | undefined;
  const message = typeof error?.message === 'string' ? error.message : String(thrown);
  return { message, code: typeof error?.code === 'string' ? error.code : undefined };
}

function nameOf(thrown: unknown): string {
  return thrown instanceof Error ? (thrown.constructor?.name ?? thrown.name) : typeof thrown;
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] as string;
}
