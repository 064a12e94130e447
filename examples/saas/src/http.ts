import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError } from './http-errors.js';
import { requireJson } from './request-guard.js';

const maxBodyBytes = 64 * 1024;

/**
 * Reads a JSON object body (empty reads as `{}`); 400/413/415 on anything else. Never a form:
 * a cross-site page can post one without a preflight (see `request-guard.ts`).
 */
export async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  requireJson(req);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes) throw new HttpError(413, 'BODY_TOO_LARGE', `The body is over ${maxBodyBytes} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'INVALID_JSON', 'The body is not valid JSON');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new HttpError(400, 'INVALID_JSON', 'The body must be a JSON object');
  return value as Record<string, unknown>;
}

/** A required string field of a body, trimmed. */
export function stringField(body: Record<string, unknown>, field: string, maxLength = 200): string {
  const value = body[field];
  if (typeof value !== 'string' || value.trim() === '')
    throw new HttpError(400, 'INVALID_ARGUMENT', `'${field}' is required (a non-empty string)`, { field });
  if (value.length > maxLength)
    throw new HttpError(400, 'INVALID_ARGUMENT', `'${field}' is over ${maxLength} characters`, { field });
  return value.trim();
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string | string[]> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

export function sendHtml(res: ServerResponse, html: string): void {
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'content-security-policy': "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'unsafe-inline'",
    'x-content-type-options': 'nosniff',
    // The verify and reset pages carry their token in the URL: no other site learns it from a Referer.
    'referrer-policy': 'same-origin',
  });
  res.end(html);
}

export function sendError(res: ServerResponse, error: unknown): void {
  if (error instanceof HttpError) {
    const headers: Record<string, string> = {};
    if (typeof error.details.retryAfterMs === 'number')
      headers['retry-after'] = String(Math.ceil(error.details.retryAfterMs / 1000));
    sendJson(res, error.status, { error: { code: error.code, message: error.message, ...error.details } }, headers);
    return;
  }
  console.error('[saas] unexpected error', error);
  sendJson(res, 500, { error: { code: 'INTERNAL', message: 'Something went wrong on our side' } });
}
