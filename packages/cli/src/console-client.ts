import { CliError, type CliIo } from './cli-io.js';

/** An app's console API (`@keel/console`): its base URL and the bearer token to send. */
export interface ConsoleTarget {
  readonly url: string;
  readonly token: string;
}

/** What the console answered. */
export interface ConsoleReply {
  readonly status: number;
  readonly bytes: Uint8Array;
  // biome-ignore lint/suspicious/noExplicitAny: the console's JSON, read as its OpenAPI document describes it.
  readonly json: any;
}

/**
 * `--url` and the token (`--token`, else `KEEL_TOKEN` — the environment keeps it out of the
 * process list), or `undefined` when the command works on `--db` instead.
 */
export function consoleTarget(
  io: CliIo,
  o: { readonly url?: string; readonly token?: string; readonly db?: string },
): ConsoleTarget | undefined {
  if (o.url === undefined) return undefined;
  if (o.db !== undefined)
    throw new CliError('INVALID_ARGUMENT', '--url and --db both given', 'use the API (--url) or the database (--db)');
  let url: URL;
  try {
    url = new URL(o.url);
  } catch {
    throw new CliError(
      'INVALID_ARGUMENT',
      `--url ${o.url} is not a URL`,
      'give the console base, e.g. https://app.example.com/console',
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new CliError('INVALID_ARGUMENT', `--url ${o.url} is not http(s)`, 'give an http:// or https:// URL');
  const token = o.token ?? (io.env ?? process.env).KEEL_TOKEN;
  if (!token)
    throw new CliError(
      'NO_TOKEN',
      'the console API needs a token',
      'set KEEL_TOKEN (or pass --token) to a session or API token',
    );
  return { url: url.href.replace(/\/$/, ''), token };
}

/** One request to the console; a refusal becomes a `CliError` with the server's code and a fix. */
export async function callConsole(
  t: ConsoleTarget,
  method: string,
  path: string,
  body?: { json?: unknown; bytes?: Uint8Array; headers?: Record<string, string> },
): Promise<ConsoleReply> {
  const headers: Record<string, string> = { authorization: `Bearer ${t.token}`, ...body?.headers };
  let payload: Uint8Array | string | undefined = body?.bytes;
  if (body?.json !== undefined) {
    payload = JSON.stringify(body.json);
    headers['content-type'] = 'application/json';
  }
  let response: Response;
  try {
    response = await fetch(`${t.url}${path}`, { method, headers, ...(payload === undefined ? {} : { body: payload }) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new CliError(
      'UNREACHABLE',
      `the console at ${t.url} did not answer (${cause})`,
      'check --url and that the app runs',
    );
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  let json: unknown;
  if ((response.headers.get('content-type') ?? '').startsWith('application/json'))
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  if (response.ok) return { status: response.status, bytes, json };
  const error = (json as { error?: { code?: string; message?: string; permission?: string } } | undefined)?.error;
  const code = error?.code ?? `HTTP_${response.status}`;
  throw new CliError(
    code,
    error?.message ?? `the console answered ${response.status}`,
    fixFor(response.status, error?.permission),
  );
}

function fixFor(status: number, permission: string | undefined): string | undefined {
  if (status === 401) return 'sign in again: set KEEL_TOKEN (or --token) to a valid session or API token';
  if (status === 403 && permission) return `ask an admin for the permission '${permission}'`;
  if (status === 404 && permission === undefined) return undefined;
  if (status === 429) return 'wait a moment and try again';
  return undefined;
}

/** A module name as one URL path segment (a `/` in it becomes %2F, as the console expects). */
export const segment = (value: string) => encodeURIComponent(value);
