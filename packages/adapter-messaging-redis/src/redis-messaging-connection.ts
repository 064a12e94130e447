import { Command, Redis } from 'ioredis';
import { connectFailure } from './redis-messaging-errors.js';
import type { ResolvedRedisMessagingOptions } from './redis-messaging-options.js';
import {
  ackManyScript,
  ackScript,
  deleteScript,
  ensureScript,
  nakScript,
  pullScript,
  publishScript,
} from './redis-messaging-scripts.js';

const scripts = {
  keelPublish: publishScript,
  keelEnsure: ensureScript,
  keelDelete: deleteScript,
  keelPull: pullScript,
  keelAck: ackScript,
  keelAckMany: ackManyScript,
  keelNak: nakScript,
} as const;

type ScriptCall = (numberOfKeys: number, ...args: (string | Buffer | number)[]) => Promise<unknown>;

/** The client with the scripts defined: each runs by EVALSHA, loaded on first use. `*Buffer` replies keep bytes. */
export type ScriptedRedis = Redis & { readonly [K in keyof typeof scripts as K | `${K}Buffer`]: ScriptCall };

/**
 * Sends one command as it is: what the generated method (`redis.xadd(…)`) would build, without
 * its argument shuffling and per-call options, and with the command itself returned for the
 * watchdog. `bytes` keeps the reply as Buffers (the `…Buffer` methods' encoding).
 */
export function send(client: Redis, name: string, args: (string | Buffer | number)[], bytes = false): Command {
  const command = new Command(name, args, { replyEncoding: bytes ? null : 'utf8' });
  void client.sendCommand(command);
  return command;
}

/** The server as messages name it, never with credentials. */
export function whereOf(url: string): string {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  return parsed
    ? `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`
    : 'the configured URL';
}

/**
 * A client for calls. The first connection is tried once, so a bad URL fails `open()` naming
 * what to fix; once connected it reconnects by itself. Calls made while it is down fail at once
 * (no offline queue): a queue would hold a publish the caller thinks failed.
 */
export async function connect(
  options: ResolvedRedisMessagingOptions,
  onError: (error: Error) => void,
): Promise<ScriptedRedis> {
  let connected = false;
  const client = new Redis(options.url, {
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs,
    // No `commandTimeout`: ioredis arms a timer per command, which made a publish 1.3–1.65× a raw
    // XADD; the adapter's watchdog (one timer) bounds every call instead.
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: (times) => (connected ? Math.min(50 * 2 ** times, 2000) : null),
    connectionName: `keel-messaging:${options.keyPrefix.replace(/[^\x21-\x7e]/g, '_')}`.slice(0, 128),
  });
  client.on('error', onError);
  for (const [name, lua] of Object.entries(scripts)) client.defineCommand(name, { lua });
  try {
    await client.connect();
    connected = true;
    return client as ScriptedRedis;
  } catch (thrown) {
    client.disconnect();
    throw connectFailure(whereOf(options.url), thrown);
  }
}

/**
 * Connections for blocking reads (XREADGROUP BLOCK holds its connection), one per pull waiting
 * at once, kept for reuse; `close()` disconnects them all, which ends the waits in progress.
 */
export class BlockingPool {
  private readonly idle: Redis[] = [];
  private readonly all = new Set<Redis>();

  constructor(
    private readonly main: Redis,
    private readonly onError: (error: Error) => void,
  ) {}

  /** Runs `fn` on a free connection; `signal` aborting disconnects it, which ends a wait at once. */
  async use<T>(signal: AbortSignal, fn: (client: Redis) => Promise<T>): Promise<T> {
    let client = this.idle.pop();
    if (!client) {
      client = this.main.duplicate({ enableOfflineQueue: true, lazyConnect: false });
      client.on('error', this.onError);
      this.all.add(client);
    }
    const connection = client;
    const abort = () => connection.disconnect();
    signal.addEventListener('abort', abort, { once: true });
    try {
      return await fn(client);
    } finally {
      signal.removeEventListener('abort', abort);
      if (client.status === 'ready' || client.status === 'connecting' || client.status === 'connect')
        this.idle.push(client);
      else this.all.delete(client);
    }
  }

  close(): void {
    for (const client of this.all) client.disconnect();
    this.all.clear();
    this.idle.length = 0;
  }
}
