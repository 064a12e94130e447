import type { Route } from './router.js';
import { schemas } from './openapi-schemas.js';

/** A JSON Schema (2020-12, as OpenAPI 3.1 takes it). */
export type JsonSchema = Readonly<Record<string, unknown>>;

/** A query parameter of an operation. */
export interface QueryParameter {
  readonly name: string;
  readonly description: string;
  readonly schema: JsonSchema;
}

/** What the OpenAPI document says of one route; the method, path and security come from the route. */
export interface OpenApiOperation {
  readonly operationId: string;
  readonly summary: string;
  readonly tags: readonly string[];
  readonly query?: readonly QueryParameter[];
  /** The request body by media type. */
  readonly body?: Readonly<Record<string, JsonSchema>>;
  /** The success status and its body: a schema (JSON), a media type (bytes), or none. */
  readonly success: {
    readonly status: number;
    readonly description: string;
    readonly json?: JsonSchema;
    readonly media?: string;
  };
  /** The error statuses this operation may answer besides 401, 403 and 429. */
  readonly errors: readonly number[];
}

const ref = (name: keyof typeof schemas) => ({ $ref: `#/components/schemas/${name}` });

const statusText: Record<number, string> = {
  400: 'Bad input (the code and message say which)',
  401: 'No valid session or token',
  403: 'Missing permission, or a cookie-session request from an untrusted origin',
  404: 'No such module, version, workflow or run',
  409: 'Conflicts with what is stored (version exists, in use, cannot be served)',
  413: 'The body is too large',
  415: 'The body has the wrong media type',
  429: 'Rate limited; Retry-After says when to retry',
  501: 'The console was not given what this needs',
};

/**
 * The OpenAPI 3.1 document of the routes: paths, parameters, bodies, the success and error
 * responses (every error is the `Error` schema), and the two security schemes.
 */
export function openApiDocument(routes: readonly Route[], basePath: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const op = route.operation;
    const pathParams = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      description: m[1] === 'name' ? "A module's name; a '/' in it is sent as %2F" : `The ${m[1]}`,
      schema: { type: 'string' },
    }));
    const query = (op.query ?? []).map((q) => ({
      name: q.name,
      in: 'query',
      required: false,
      description: q.description,
      schema: q.schema,
    }));
    const errors = [
      ...new Set([...op.errors, ...(route.public ? [429] : route.permission ? [401, 403, 429] : [401, 429])]),
    ].sort();
    const responses: Record<string, unknown> = {
      [op.success.status]: {
        description: op.success.description,
        ...(op.success.json ? { content: { 'application/json': { schema: op.success.json } } } : {}),
        ...(op.success.media
          ? { content: { [op.success.media]: { schema: { type: 'string', contentMediaType: op.success.media } } } }
          : {}),
      },
    };
    for (const status of errors)
      responses[status] = {
        description: statusText[status] ?? 'Error',
        content: { 'application/json': { schema: ref('Error') } },
      };
    (paths[`${basePath}${route.path}`] ??= {})[route.method.toLowerCase()] = {
      operationId: op.operationId,
      summary: op.summary,
      tags: op.tags,
      ...(route.public ? { security: [] } : route.permission ? { 'x-keel-permission': route.permission } : {}),
      ...(pathParams.length + query.length ? { parameters: [...pathParams, ...query] } : {}),
      ...(op.body
        ? {
            requestBody: {
              required: true,
              content: Object.fromEntries(Object.entries(op.body).map(([media, schema]) => [media, { schema }])),
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Keel console API',
      version: '1',
      description:
        'Modules (WebAssembly components), their versions and grants, execution logs and workflow runs. ' +
        'Every route but this document needs a session cookie or a bearer token, and the permission in x-keel-permission.',
    },
    paths,
    components: {
      schemas,
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: '__Host-session' },
        bearer: { type: 'http', scheme: 'bearer' },
      },
    },
    security: [{ session: [] }, { bearer: [] }],
  };
}

export { ref };
