import { boolean, fn, integer, maxTimerMs, option, required, string, withMethods } from '@keel/core/adapter';
import type { ComponentRegistry } from '@keel/component-registry';
import type { ExecutionPage, ExecutionQuery } from '@keel/wasm-host';
import type { Workflows } from '@keel/workflows';
import type { ResultAsync, SqlError } from '@keel/core';
import type { IncomingMessage } from 'node:http';
import * as v from 'valibot';

/** Where execution records are read from: `createSqlExecutionLog`'s log (`@keel/wasm-host`). */
export interface ExecutionSource {
  query(query?: ExecutionQuery): ResultAsync<ExecutionPage, SqlError>;
}

/** Where the metrics page reads the app's metrics: `keel.observability` (Prometheus's text of this process). */
export interface MetricsSource {
  metricsText(): Promise<string>;
}

const rateLimit = v.union(
  [
    v.literal(false),
    v.strictObject({
      limit: required(integer(1, 1_000_000), 'Requests a client may make per `intervalMs`.'),
      intervalMs: required(integer(1, maxTimerMs), 'The window, in ms.'),
    }),
  ],
  'expected false or { limit, intervalMs }',
);

const schema = v.strictObject({
  // The type named on the outer pipe too: the options table reads only that one.
  registry: v.pipe(
    required(
      withMethods<ComponentRegistry>('a component registry', [
        'upload',
        'list',
        'get',
        'setGrants',
        'activate',
        'delete',
      ]),
      "The modules the API manages (`@keel/component-registry`'s registry).",
    ),
    v.metadata({ type: 'a component registry' }),
  ),
  workflows: option(withMethods<Workflows>('a workflows instance', ['register', 'start', 'status', 'cancel']), {
    defaultText: 'none: the workflow routes answer 501 NOT_CONFIGURED',
    description: "Runs the workflow routes (`@keel/workflows`' instance, with the same registry).",
  }),
  executionLog: option(withMethods<ExecutionSource>('an execution log with query()', ['query']), {
    defaultText: 'none: /api/executions answers 501 NOT_CONFIGURED',
    description: "Where `/api/executions` reads from: the host's `createSqlExecutionLog` (wasm-host).",
  }),
  metrics: option(withMethods<MetricsSource>('keel.observability, or anything with metricsText()', ['metricsText']), {
    defaultText: 'none: the metrics page says it is not configured',
    description:
      "What the dashboard's metrics page reads: `keel.observability` (its `metricsText()`, with `observability.prometheus` on).",
  }),
  basePath: option(
    v.pipe(string(), v.regex(/^(?:\/[A-Za-z0-9._~-]+)*$/, "expected '' or a path like '/console' (no trailing /)")),
    {
      default: '',
      description:
        "The prefix the app mounts the console under, stripped from each URL; a URL outside it goes to `next` (or 404). Leave '' when a router already strips it.",
    },
  ),
  maxUploadBytes: option(integer(1, 2 ** 31 - 1), {
    default: 32 * 1024 * 1024,
    description:
      "The largest upload body read, in bytes: reading stops there and the answer is 413 (the registry's `maxBytes` applies too).",
  }),
  maxJsonBytes: option(integer(1, 2 ** 31 - 1), {
    default: 1024 * 1024,
    description: 'The largest JSON body read, in bytes (413 past it).',
  }),
  sessionCookie: option(string(), {
    default: '__Host-session',
    description: 'The cookie holding the session token (`sessionCookie` of `@keel/adapter-auth` sets it).',
  }),
  trustedOrigins: option(
    v.array(v.pipe(string(), v.url('expected an origin like https://admin.example.com')), 'expected a list of origins'),
    {
      default: [],
      description:
        "Origins (`https://admin.example.com`) whose cookie-session requests may change things, besides the request's own host (CSRF).",
    },
  ),
  rateLimit: option(rateLimit, {
    default: { limit: 600, intervalMs: 60_000 },
    description:
      'Requests per client address, counted in the kv (`@keel/ratelimit`, token bucket); `false` turns it off.',
  }),
  clientAddress: option(fn<(req: IncomingMessage) => string>(), {
    defaultText: "the socket's remote address",
    description: "The client's address for the rate limit: behind a proxy, read the header your proxy sets.",
  }),
  dashboard: option(boolean(), {
    default: true,
    description:
      'Serve the operator dashboard (HTML pages at `<basePath>/`, `/modules/{name}`, and their assets) over the same session.',
  }),
  openApiPublic: option(boolean(), {
    default: true,
    description: 'Serve `/openapi.json` without authentication.',
  }),
  onError: option(fn<(error: unknown) => void>(), {
    defaultText: 'console.error',
    description: 'Called with what failed unexpectedly (the client gets 500 `INTERNAL` with no detail).',
  }),
});

type Schema = typeof schema;
/** The schema's type, named so that declarations name it. */
export interface ConsoleOptionsSchema extends Schema {}

/**
 * The options of `createConsole`, declared once: the type, the checks and the README table come from it.
 *
 * @example
 * const options: ConsoleOptions = { registry, workflows, executionLog, basePath: '/console' };
 */
export const consoleOptions: ConsoleOptionsSchema = schema;
export type ConsoleOptions = v.InferInput<ConsoleOptionsSchema>;
export type ResolvedConsoleOptions = v.InferOutput<ConsoleOptionsSchema>;
