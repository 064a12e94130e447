import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthPrincipal, Result } from '@keel/core';
import type { HttpFailure } from './console-errors.js';
import type { Reply } from './http-io.js';
import type { OpenApiOperation } from './openapi.js';

/** What a route's handler gets. */
export interface RouteContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** The path parameters, percent-decoded. */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** Who is calling; `undefined` only on public routes. */
  readonly principal: AuthPrincipal | undefined;
  /** The audit trail's actor: the principal's email. */
  readonly actor: string | undefined;
}

/**
 * One route: its method, its path (`{name}` one segment each), the permission it needs, its
 * OpenAPI operation and its handler. The OpenAPI document is made from these, so a route and
 * its description are declared together.
 */
export interface Route {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly path: string;
  /** What the caller needs: `undefined` is any signed-in principal. */
  readonly permission: string | undefined;
  /** No authentication at all (the OpenAPI document). */
  readonly public?: boolean;
  readonly operation: OpenApiOperation;
  handle(ctx: RouteContext): Promise<Result<Reply, HttpFailure>>;
}

/** The result of matching a path: the route, the path exists with other methods, or nothing. */
export type Match =
  | { readonly kind: 'route'; readonly route: Route; readonly params: Record<string, string> }
  | { readonly kind: 'method'; readonly allow: string[] }
  | { readonly kind: 'none' }
  | { readonly kind: 'malformed'; readonly message: string };

/**
 * Matches a path (already relative to the console's base) against the routes. Segments are
 * split on `/` before decoding, so a parameter holds a `/` only as `%2F` (a component name
 * like `billing/eu`); a segment whose percent-encoding is malformed is `malformed`.
 */
export function matchRoute(routes: readonly Route[], method: string, path: string): Match {
  const raw = path.split('/').slice(1);
  const segments: string[] = [];
  for (const s of raw) {
    try {
      segments.push(decodeURIComponent(s));
    } catch {
      return { kind: 'malformed', message: `the path segment '${s}' is not valid percent-encoding` };
    }
  }
  const allow: string[] = [];
  for (const route of routes) {
    const params = matchPath(route.path, segments);
    if (!params) continue;
    if (route.method === method || (method === 'HEAD' && route.method === 'GET'))
      return { kind: 'route', route, params };
    allow.push(route.method);
  }
  return allow.length ? { kind: 'method', allow } : { kind: 'none' };
}

function matchPath(template: string, segments: readonly string[]): Record<string, string> | undefined {
  const parts = template.split('/').slice(1);
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    const segment = segments[i] as string;
    if (part.startsWith('{')) {
      if (segment === '') return undefined;
      params[part.slice(1, -1)] = segment;
    } else if (part !== segment) return undefined;
  }
  return params;
}
