import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-errors.js';

const safeMethods: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);
// `none` is a request the user started (typed URL, bookmark): no other site is involved.
const allowedFetchSites: ReadonlySet<string> = new Set(['same-origin', 'none']);

/**
 * Refuses a state-changing request (any method but GET, HEAD, OPTIONS) that a browser sent from
 * another site, or whose body is not declared `application/json`. Together they stop login CSRF
 * and every other cross-site form: a page elsewhere can post a form or `text/plain` without a
 * preflight, but not JSON, and its browser names it in `Sec-Fetch-Site` and `Origin`.
 * Runs before the route's handler, so it also covers sign-up and log-in, which have no session
 * (and so no CSRF token) yet.
 *
 * @example
 * guardStateChange(req); // throws HttpError 403 CROSS_SITE_REJECTED or 415 UNSUPPORTED_MEDIA_TYPE
 */
export function guardStateChange(req: IncomingMessage): void {
  if (safeMethods.has(req.method ?? 'GET')) return;
  refuseCrossSite(req);
  requireJson(req);
}

/**
 * The rule (as Go's `net/http.CrossOriginProtection`, but both headers must pass when both are
 * sent): `Sec-Fetch-Site`, when present, must be `same-origin` or `none`; `Origin`, when present,
 * must name this server's host and port as the `Host` header does (`null` never does). A request
 * with neither header is not from a browser page (curl, a server, a test) and passes.
 */
export function refuseCrossSite(req: IncomingMessage): void {
  const site = single(req.headers['sec-fetch-site']);
  if (site !== undefined && !allowedFetchSites.has(site.toLowerCase()))
    throw crossSite(`Sec-Fetch-Site: ${site.slice(0, 40)}`);
  const origin = single(req.headers.origin);
  if (origin !== undefined && !sameHost(origin, req.headers.host)) throw crossSite(`Origin: ${origin.slice(0, 200)}`);
}

/** 415 unless `Content-Type`'s media type is exactly `application/json` (parameters such as `charset` allowed). */
export function requireJson(req: IncomingMessage): void {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json')
    throw new HttpError(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      'Send changes with Content-Type: application/json (forms, text/plain and multipart are refused)',
    );
}

function sameHost(origin: string, host: string | undefined): boolean {
  if (!host) return false;
  try {
    const url = new URL(origin);
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== origin) return false;
    // Read the Host header with the origin's scheme, so that `example.com:443` and `example.com` compare equal.
    return url.host === new URL(`${url.protocol}//${host}`).host;
  } catch {
    return false; // `null`, or not a URL
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

function crossSite(what: string): HttpError {
  return new HttpError(403, 'CROSS_SITE_REJECTED', `Changes from another site are refused (${what})`);
}
