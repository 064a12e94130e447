import { connect } from 'node:net';
import { run } from './run-command.js';
import { type ServerFor, unavailable } from './server-for.js';

/** The machine's PostgreSQL, with a fresh database per use. */
export interface TestPostgres {
  /** The server's URL as given (its maintenance database). */
  readonly url: string;
  /** Creates an empty database with a unique name and returns its URL. */
  database(label?: string): Promise<string>;
  /** Drops every database this object created (connections to them are ended first). */
  cleanup(): Promise<void>;
}

/** The machine's Redis, shared by key prefix. */
export interface TestRedis {
  readonly url: string;
  /** A key prefix no other test uses (`keel-test:<label>:<pid>:<n>:`). */
  prefix(label?: string): string;
  /** Deletes every key under the prefixes this object handed out. */
  cleanup(): Promise<void>;
}

const defaultPostgresUrl = 'postgres://postgres@127.0.0.1:5432/test';
const defaultRedisUrl = 'redis://127.0.0.1:6379';
let counter = 0;

/**
 * The PostgreSQL tests use: `KEEL_TEST_POSTGRES_URL`, else the usual local one
 * (`postgres://postgres@127.0.0.1:5432/test`). When it can't be reached the tests skip with
 * the reason — except under `CI`, where a missing server is a failure, not a skip.
 *
 * @example
 * const pg = await testPostgres();
 * describe.skipIf(pg.skip)('on PostgreSQL', () => { … await pg.server!.database('orders') … });
 */
export async function testPostgres(): Promise<ServerFor<TestPostgres>> {
  const url = process.env.KEEL_TEST_POSTGRES_URL ?? defaultPostgresUrl;
  const unreachable = await reachable(url, 5432);
  if (unreachable) return unavailable(`no PostgreSQL at ${redact(url)} (${unreachable}); set KEEL_TEST_POSTGRES_URL`);
  const created: string[] = [];
  const psql = (sql: string) => run('psql', [url, '-v', 'ON_ERROR_STOP=1', '-qAt', '-c', sql]);
  return {
    server: {
      url,
      async database(label = 'db') {
        const name = `keel_${label
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, '_')
          .slice(0, 30)}_${process.pid}_${counter++}`;
        await psql(`CREATE DATABASE "${name}"`);
        created.push(name);
        const target = new URL(url);
        target.pathname = `/${name}`;
        return target.toString();
      },
      async cleanup() {
        for (const name of created.splice(0)) await psql(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      },
    },
  };
}

/**
 * The Redis tests use: `KEEL_TEST_REDIS_URL`, else `redis://127.0.0.1:6379`. Skips and fails
 * as `testPostgres` does. Tests share it by key prefix.
 */
export async function testRedis(): Promise<ServerFor<TestRedis>> {
  const url = process.env.KEEL_TEST_REDIS_URL ?? defaultRedisUrl;
  const unreachable = await reachable(url, 6379);
  if (unreachable) return unavailable(`no Redis at ${redact(url)} (${unreachable}); set KEEL_TEST_REDIS_URL`);
  const prefixes: string[] = [];
  return {
    server: {
      url,
      prefix(label = 'kv') {
        const prefix = `keel-test:${label}:${process.pid}:${counter++}:`;
        prefixes.push(prefix);
        return prefix;
      },
      async cleanup() {
        // One script per prefix: SCAN + DEL on the server, not a key at a time over the wire.
        const script =
          "local c='0' repeat local r=redis.call('SCAN',c,'MATCH',ARGV[1],'COUNT',1000) c=r[1] for _,k in ipairs(r[2]) do redis.call('DEL',k) end until c=='0'";
        for (const prefix of prefixes.splice(0))
          await run('redis-cli', ['-u', url, 'EVAL', script, '0', `${globPattern(prefix)}*`]);
      },
    },
  };
}

/** Why the server's port does not accept a connection, or undefined when it does. */
function reachable(url: string, defaultPort: number): Promise<string | undefined> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({
      host: hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
      port: Number(port || defaultPort),
    });
    const done = (problem: string | undefined) => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(2000, () => done('connect timed out'));
    socket.once('connect', () => done(undefined));
    socket.once('error', (error) => done(error.message));
  });
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

function globPattern(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}
