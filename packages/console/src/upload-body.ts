import type { IncomingMessage } from 'node:http';
import { Busboy, type BusboyHeaders, type BusboyInstance } from '@fastify/busboy';
import { err, ok, type Result } from '@keel/core';
import { failure, type HttpFailure } from './console-errors.js';
import { mediaType, readBody } from './http-io.js';

/** An upload as read from the request, before the registry checks it. */
export interface UploadForm {
  readonly fields: Readonly<Record<string, string>>;
  readonly bytes: Buffer;
}

const fieldNames = new Set(['name', 'version', 'signature', 'signer']);

/**
 * Reads an upload: a raw `application/wasm` body (the path names the module and version; a
 * signature comes in `Keel-Signature` and `Keel-Signer`), or `multipart/form-data` with the
 * fields `name`, `version`, `signature?`, `signer?` and one file part `module` — what a browser
 * form or a drag-and-drop `FormData` sends. Either way reading stops at `limit` bytes (413) and
 * nothing reaches the registry unless the whole body was read and well-formed.
 */
export function readUpload(
  req: IncomingMessage,
  limit: number,
  accept: 'application/wasm' | 'multipart/form-data',
): Promise<Result<UploadForm, HttpFailure>> {
  const type = mediaType(req);
  if (type !== accept)
    return Promise.resolve(
      err(failure('UNSUPPORTED_MEDIA_TYPE', `this route takes ${accept}, not '${type || 'no content type'}'`)),
    );
  if (accept === 'application/wasm') {
    const fields: Record<string, string> = {};
    for (const [header, field] of [
      ['keel-signature', 'signature'],
      ['keel-signer', 'signer'],
    ] as const) {
      const value = req.headers[header];
      if (typeof value === 'string') fields[field] = value;
    }
    return readBody(req, limit).then((body) => body.map((bytes) => ({ fields, bytes })));
  }
  return readMultipart(req, limit);
}

function readMultipart(req: IncomingMessage, limit: number): Promise<Result<UploadForm, HttpFailure>> {
  const declared = Number(req.headers['content-length']);
  // The form's fields and boundaries add a little to the file: allow 64 KiB of them.
  if (Number.isFinite(declared) && declared > limit + 65_536)
    return Promise.resolve(err(failure('PAYLOAD_TOO_LARGE', `the module is larger than ${limit} bytes`)));
  return new Promise((resolve) => {
    let settled = false;
    const fields: Record<string, string> = {};
    const chunks: Buffer[] = [];
    let files = 0;
    let parser: BusboyInstance | undefined;
    const done = (result: Result<UploadForm, HttpFailure>) => {
      if (settled) return;
      settled = true;
      if (result.isErr()) {
        if (parser) req.unpipe(parser);
        req.pause();
      }
      resolve(result);
    };
    try {
      parser = new Busboy({
        headers: req.headers as BusboyHeaders,
        limits: { fileSize: limit, files: 1, fields: 8, fieldSize: 4096, parts: 9 },
      });
    } catch (cause) {
      resolve(err(failure('BAD_REQUEST', `the multipart body cannot be read: ${(cause as Error).message}`)));
      return;
    }
    const p = parser;
    p.on('field', (name, value, nameTruncated, valueTruncated) => {
      if (!fieldNames.has(name))
        return done(err(failure('BAD_REQUEST', `unknown form field '${name}' (name, version, signature, signer)`)));
      if (nameTruncated || valueTruncated)
        return done(err(failure('BAD_REQUEST', `the form field '${name}' is too long`)));
      fields[name] = value;
    });
    p.on('file', (name, stream) => {
      files++;
      if (name !== 'module') {
        stream.resume();
        return done(err(failure('BAD_REQUEST', `the file part must be named 'module', not '${name}'`)));
      }
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => done(err(failure('PAYLOAD_TOO_LARGE', `the module is larger than ${limit} bytes`))));
    });
    for (const event of ['filesLimit', 'fieldsLimit', 'partsLimit'] as const)
      p.on(event, () =>
        done(err(failure('BAD_REQUEST', 'the form has more parts than an upload (one module, four fields)'))),
      );
    p.on('error', (cause: Error) =>
      done(err(failure('BAD_REQUEST', `the multipart body is malformed: ${cause.message}`))),
    );
    p.on('finish', () => {
      if (files === 0) return done(err(failure('BAD_REQUEST', "the form has no file part 'module'")));
      done(ok({ fields, bytes: Buffer.concat(chunks) }));
    });
    req.on('error', (cause) => done(err(failure('BAD_REQUEST', `the body could not be read: ${cause.message}`))));
    req.pipe(p);
  });
}
