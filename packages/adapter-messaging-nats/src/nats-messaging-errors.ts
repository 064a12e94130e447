import { MessagingError, type MessagingErrorCode } from '@keel/core';
import {
  AuthorizationError,
  ClosedConnectionError,
  ConnectionError,
  DrainingConnectionError,
  NoRespondersError,
  PermissionViolationError,
  RequestError,
  TimeoutError,
} from '@nats-io/transport-node';
import { JetStreamApiError } from '@nats-io/jetstream';

/** JetStream API error codes (`err_code`) that mean "not there". */
const CONSUMER_NOT_FOUND = 10014;
const STREAM_NOT_FOUND = 10059;

/**
 * What a failed call means for the caller, from the error's class and JetStream's `err_code`
 * (never its text): a missing consumer is `NOT_FOUND`, no answer in time `TIMEOUT`, a closed or
 * lost connection `UNAVAILABLE`, a permission violation `ACCESS_DENIED`; any other JetStream
 * answer is `INTERNAL`. `noResponders` says what nobody answering means for this call.
 */
export function natsFailure(
  thrown: unknown,
  subject?: string,
  noResponders: MessagingErrorCode = 'UNAVAILABLE',
): MessagingError {
  if (thrown instanceof MessagingError) return thrown;
  const fail = (code: MessagingErrorCode, text: string) =>
    new MessagingError({ code, message: text, cause: thrown, ...(subject === undefined ? {} : { subject }) });
  const first = errorChain(thrown);
  const api = first.find((e): e is JetStreamApiError => e instanceof JetStreamApiError);
  if (api && (api.code === CONSUMER_NOT_FOUND || api.code === STREAM_NOT_FOUND))
    return fail(
      'NOT_FOUND',
      `no such consumer${subject ? ` on subject '${subject}'` : ''}: create it with ensureConsumer`,
    );
  if (first.some((e) => e instanceof NoRespondersError || (e instanceof RequestError && e.isNoResponders())))
    return noResponders === 'NOT_FOUND'
      ? fail('NOT_FOUND', 'the consumer of this token no longer exists')
      : fail(noResponders, 'nothing answered: is JetStream enabled on the server, and does the stream exist?');
  if (first.some((e) => e instanceof PermissionViolationError || e instanceof AuthorizationError))
    return fail('ACCESS_DENIED', `NATS refused: ${messageOf(thrown)}`);
  if (first.some((e) => e instanceof TimeoutError))
    return fail('TIMEOUT', 'NATS did not answer within requestTimeoutMs (a publish may still have been stored)');
  if (
    first.some(
      (e) => e instanceof ClosedConnectionError || e instanceof DrainingConnectionError || e instanceof ConnectionError,
    )
  )
    return fail('UNAVAILABLE', `NATS is unreachable: ${messageOf(thrown)}`);
  if (api) return fail('INTERNAL', `JetStream answered with an error: ${api.message} (${api.code})`);
  return fail('INTERNAL', `NATS failed: ${messageOf(thrown)}`);
}

/** Why `open()` could not connect, naming the server without credentials. */
export function connectFailure(where: string, thrown: unknown): MessagingError {
  const denied = errorChain(thrown).some((e) => e instanceof AuthorizationError);
  return new MessagingError({
    code: denied ? 'ACCESS_DENIED' : 'UNAVAILABLE',
    message: `cannot connect to NATS at ${where}: ${messageOf(thrown)}${denied ? ' (check the credentials)' : ' (check the URL, and that nats-server runs)'}`,
    cause: thrown,
  });
}

export function badToken(): MessagingError {
  return new MessagingError({ code: 'INVALID_ARGUMENT', message: 'token is not one this adapter issued' });
}

function errorChain(thrown: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e = thrown; e !== undefined && chain.length < 5; e = (e as { cause?: unknown })?.cause) chain.push(e);
  return chain;
}

function messageOf(thrown: unknown): string {
  return (thrown instanceof Error ? thrown.message : String(thrown)).split('\n', 1)[0] as string;
}
