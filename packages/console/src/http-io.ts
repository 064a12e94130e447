import type { IncomingMessage, ServerResponse } from 'node:http';
import { err, ok, type Result } from '@keel/core';
import { failure, type HttpFailure } from './console-errors.js';

/** What a route answers: JSON, or bytes of a content type. */
export interface Reply {
  readonly status?: number;
  readonly json?: unknown;
  readonly bytes?: Uint8Array;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The media type of a request, lower-cased, without parameters. */
export function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/**
 * Reads a body up to `limit` bytes. Past it the reading stops (the rest is never buffered) and
 * the answer is 413; a declared `Content-Length` over the limit is refused before reading.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Result<Buffer, HttpFailure>> {
  const tooLarge = () => failure('PAYLOAD_TOO_LARGE', `the body is larger than ${limit} bytes`);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve(err(tooLarge()));
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (result: Result<Buffer, HttpFailure>) => {
      req.off('data', onData).off('end', onEnd).off('error', onError);
      // Not destroyed: the answer still goes out on this socket, which closes after it (sendFailure).
      if (result.isErr()) req.pause();
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > limit) stop(err(tooLarge()));
      else chunks.push(chunk);
    };
    const onEnd = () => stop(ok(Buffer.concat(chunks, size)));
    const onError = (cause: Error) => stop(err(failure('BAD_REQUEST', `the body could not be read: ${cause.message}`)));
    req.on('data', onData).on('end', onEnd).on('error', onError);
  });
}

/** Reads a JSON body (`application/json`, at most `limit` bytes): 415, 413 or 400 naming the problem. */
export async function readJson(req: IncomingMessage, limit: number): Promise<Result<unknown, HttpFailure>> {
  if (mediaType(req) !== 'application/json')
    return err(
      failure('UNSUPPORTED_MEDIA_TYPE', `send the body as application/json, not '${mediaType(req) || 'none'}'`),
    );
  const body = await readBody(req, limit);
  if (body.isErr()) return err(body.error);
  try {
    return ok(JSON.parse(body.value.toString('utf8')) as unknown);
  } catch (cause) {
    return err(failure('BAD_REQUEST', `the body is not JSON: ${(cause as Error).message}`));
  }
}

/** Sends a reply. */
export function send(res: ServerResponse, reply: Reply): void {
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  if (reply.bytes) {
    res.writeHead(reply.status ?? 200, {
      'Content-Type': reply.contentType ?? 'application/octet-stream',
      'Content-Length': reply.bytes.byteLength,
    });
    res.end(reply.bytes);
    return;
  }
  if (reply.json === undefined) {
    res.writeHead(reply.status ?? 204);
    res.end();
    return;
  }
  const text = JSON.stringify(reply.json);
  res.writeHead(reply.status ?? 200, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** Sends `{ error: { code, message, ...details } }` with the failure's status and headers. */
export function sendFailure(req: IncomingMessage, res: ServerResponse, f: HttpFailure): void {
  // A body the client is still sending when refused: close after the answer rather than read it.
  if (!req.complete) res.setHeader('Connection', 'close');
  send(res, {
    status: f.status,
    json: { error: { code: f.code, message: f.message, ...f.details } },
    ...(f.headers ? { headers: f.headers } : {}),
  });
}
