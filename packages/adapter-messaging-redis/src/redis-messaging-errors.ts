import { MessagingError, type MessagingErrorCode } from '@keel/core';

/**
 * What a failed command means for the caller: a missing consumer is `NOT_FOUND`, no reply in
 * time `TIMEOUT`, a lost connection `UNAVAILABLE`, a refused permission `ACCESS_DENIED`;
 * anything else is the server's answer, `INTERNAL`. Codes come from the reply's own prefix.
 */
export function commandFailure(thrown: unknown, subject?: string): MessagingError {
  if (thrown instanceof MessagingError) return thrown;
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  const first = message.split('\n', 1)[0] as string;
  const fail = (code: MessagingErrorCode, text: string) =>
    new MessagingError({ code, message: text, cause: thrown, ...(subject === undefined ? {} : { subject }) });
  if (/^(NOTFOUND|NOGROUP)\b/.test(message))
    return fail(
      'NOT_FOUND',
      `no such consumer${subject ? ` on subject '${subject}'` : ''}: create it with ensureConsumer`,
    );
  // A script's own call that the ACL refuses comes back as a plain ERR (Redis gives it no code of
  // its own, not even to redis.pcall): its wording is all there is to tell it by.
  if (/^(NOPERM|NOAUTH|WRONGPASS)\b/.test(message) || /^ERR The user executing the script can't run/.test(message))
    return fail('ACCESS_DENIED', `Redis refused: ${first}`);
  if (/Command timed out/i.test(message))
    return fail('TIMEOUT', 'Redis did not answer within commandTimeoutMs (a publish may still have been stored)');
  if (thrown instanceof Error && thrown.name === 'ReplyError')
    return fail('INTERNAL', `Redis answered with an error: ${first}`);
  return fail('UNAVAILABLE', `Redis is unreachable: ${first}`);
}

/** Why `open()` could not connect, naming the server without credentials. */
export function connectFailure(where: string, thrown: unknown): MessagingError {
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  const code = /WRONGPASS|NOAUTH|NOPERM/.test(message) ? 'ACCESS_DENIED' : 'UNAVAILABLE';
  return new MessagingError({
    code,
    message: `cannot connect to Redis at ${where}: ${message.split('\n', 1)[0]}${code === 'ACCESS_DENIED' ? ' (check username and password)' : ' (check the URL, and that Redis runs)'}`,
  });
}

export function badToken(): MessagingError {
  return new MessagingError({ code: 'INVALID_ARGUMENT', message: 'token is not one this adapter issued' });
}
