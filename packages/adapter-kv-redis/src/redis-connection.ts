import { createClient, RESP_TYPES } from '@redis/client';
import { badSettings, connectFailure } from './redis-kv-errors.js';
import type { ResolvedRedisKvOptions } from './redis-kv-options.js';

/** The client as this adapter uses it: raw commands, bulk strings as Buffers. */
export type RedisClient = ReturnType<typeof connectionClient>;

/** Where and how to connect, from `url` and the separate fields (which win). */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
  readonly db: number;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly tls: boolean;
  /** The server as messages name it: `redis://host:port/db`, never with credentials. */
  readonly where: string;
}

/**
 * Reads the endpoint. The URL is parsed here, not by the client, so that no error it raises
 * (Node's `URL` errors carry the whole input) can carry the password along.
 */
export function endpointOf(options: ResolvedRedisKvOptions): Endpoint {
  let fromUrl: Partial<Endpoint> = {};
  if (options.url !== undefined) {
    const url = URL.canParse(options.url) ? new URL(options.url) : undefined;
    if (url === undefined || (url.protocol !== 'redis:' && url.protocol !== 'rediss:')) {
      throw badSettings('url is not a redis:// or rediss:// URL (redis://[[username]:password@]host[:port][/db])');
    }
    const path = url.pathname.replace(/^\//, '');
    if (path !== '' && !/^\d+$/.test(path)) throw badSettings(`url names database '${path}': expected a number`);
    fromUrl = {
      host: url.hostname.replace(/^\[|\]$/g, '') || undefined,
      port: url.port === '' ? undefined : Number(url.port),
      db: path === '' ? undefined : Number(path),
      username: url.username === '' ? undefined : decodeURIComponent(url.username),
      password: url.password === '' ? undefined : decodeURIComponent(url.password),
      tls: url.protocol === 'rediss:',
    };
  }
  const host = options.host ?? fromUrl.host ?? '127.0.0.1';
  const port = options.port ?? fromUrl.port ?? 6379;
  const db = options.db ?? fromUrl.db ?? 0;
  const tls = options.tls ?? fromUrl.tls ?? false;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    host,
    port,
    db,
    username: options.username ?? fromUrl.username,
    password: options.password ?? fromUrl.password,
    tls,
    where: `${tls ? 'rediss' : 'redis'}://${shownHost}:${port}/${db}`,
  };
}

/**
 * A connected client. It reconnects by itself once connected (with backoff up to 2 s); while it
 * does, calls wait in its queue, each at most `commandTimeoutMs`. The first connection is tried
 * once: a bad setting fails `open()` at once, naming what to fix.
 */
export async function connect(options: ResolvedRedisKvOptions, onError: (error: Error) => void): Promise<RedisClient> {
  const endpoint = endpointOf(options);
  let connected = false;
  const client = connectionClient(options, endpoint, () => connected);
  client.on('error', onError);
  const timer = deadline(options.connectTimeoutMs + options.commandTimeoutMs);
  try {
    await Promise.race([client.connect(), timer.expired]);
    connected = true;
    return client;
  } catch (thrown) {
    client.destroy();
    throw connectFailure(endpoint.where, thrown, endpoint.tls);
  } finally {
    timer.clear();
  }
}

function connectionClient(options: ResolvedRedisKvOptions, endpoint: Endpoint, connected: () => boolean) {
  const { host, port, db, username, password, tls } = endpoint;
  return createClient({
    socket: {
      host,
      port,
      tls,
      connectTimeout: options.connectTimeoutMs,
      // Before the first connection a failure is final (open() reports it); after, keep trying.
      reconnectStrategy: (retries: number, cause: Error) => (connected() ? Math.min(50 * 2 ** retries, 2000) : cause),
    } as { host: string; port: number; tls: false },
    database: db,
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
    name: clientName(options.keyPrefix),
    disableClientInfo: true,
    commandOptions: {
      timeout: options.commandTimeoutMs,
      // A reply that never comes (a half-open connection) must not hang the call either.
      rejectInFlight: true,
      typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer },
    },
  });
}

/** `CLIENT SETNAME` takes no spaces: the prefix, made safe, tells operators whose connection it is. */
function clientName(keyPrefix: string): string {
  return `keel-kv:${keyPrefix.replace(/[^\x21-\x7e]/g, '_')}`.slice(0, 128);
}

function deadline(ms: number): { expired: Promise<never>; clear(): void } {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('connect timed out'), { name: 'ConnectionTimeoutError' })), ms);
  });
  return { expired, clear: () => clearTimeout(timer) };
}
