import { createKeel, type SqlError } from '@keel/core';
import { expectErr, expectOk, testPostgres } from '@keel/testing';
import { createServer, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresSql, postgresAdapter, type PostgresSqlOptions } from '../src/index.js';

const pg = await testPostgres();
const secret = 'S3cret-Passw0rd-never-shown';

/** A port nothing listens on: taken from the OS, then released. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Opens, expects a CONNECTION Err, and checks the password shows nowhere in it. */
async function openFails(options: PostgresSqlOptions): Promise<SqlError> {
  const sql = createPostgresSql({ connectTimeoutMs: 2000, ...options });
  try {
    const error = expectErr(await sql.open(), 'CONNECTION');
    const seen: unknown[] = [];
    for (let e: unknown = error; e instanceof Error && !seen.includes(e); e = e.cause) seen.push(e);
    for (const e of seen) {
      const text = `${String(e)} ${(e as Error).message} ${(e as Error).stack} ${JSON.stringify(e)} ${JSON.stringify(Object.entries(e as object))}`;
      expect(text).not.toContain(secret);
    }
    return error;
  } finally {
    await sql.close();
  }
}

describe.skipIf(pg.skip !== undefined)(`opening${pg.skip ? ` — skipped: ${pg.skip}` : ''}`, () => {
  const server = new URL(pg.server?.url ?? 'postgres://localhost');
  const urlWith = (change: (url: URL) => void) => {
    const url = new URL(server);
    url.password = secret;
    change(url);
    return url.toString();
  };
  afterAll(() => pg.server?.cleanup(), 120_000);

  it('a database that does not exist names it', async () => {
    const error = await openFails({ connectionString: urlWith((u) => (u.pathname = '/does_not_exist')) });
    expect(error.message).toMatch(/database "does_not_exist" does not exist; create it/);
  });

  it('a port with nothing listening says so', async () => {
    const port = await freePort();
    const error = await openFails({ connectionString: urlWith((u) => (u.port = String(port))) });
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).toContain(`127.0.0.1:${port}`);
  });

  it('a user that does not exist names the user', async () => {
    const error = await openFails({ connectionString: urlWith((u) => (u.username = 'no_such_role')) });
    expect(error.message).toContain('"no_such_role"');
  });

  it('a URL it cannot read never repeats it', async () => {
    const error = await openFails({ connectionString: `postgres://ada:${secret}@[bad/db` });
    expect(error.message).toContain('not a valid URL');
    const mysql = await openFails({ connectionString: `mysql://ada:${secret}@localhost/db` });
    expect(mysql.message).toContain('postgres://');
  });

  it('a server that never answers is a CONNECTION Err after connectTimeoutMs, not a hang', async () => {
    // Accepts the TCP connection and then says nothing, as a wedged server or a black-holing proxy does.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    try {
      const error = await openFails({ connectionString: urlWith((u) => (u.port = String(port))), connectTimeoutMs: 300 });
      expect(error.message).toContain('connectTimeoutMs (300 ms)');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('ssl asked of a server without TLS says so', async () => {
    const error = await openFails({ connectionString: urlWith(() => {}), ssl: 'no-verify' });
    expect(error.message).toContain('TLS');
  });

  it('the separate options override the URL, and the password option is never shown', async () => {
    const error = await openFails({ connectionString: urlWith(() => {}), database: 'does_not_exist', password: secret });
    expect(error.message).toContain('does_not_exist');
    const ok = createPostgresSql({ connectionString: urlWith((u) => (u.pathname = '/does_not_exist')), database: server.pathname.slice(1) });
    expectOk(await ok.open());
    await ok.close();
  });

  it('createKeel returns a KeelStartupError naming the instance', async () => {
    const started = await createKeel(
      {
        sql: {
          orders: { adapter: 'postgres', options: { connectionString: urlWith((u) => (u.pathname = '/does_not_exist')) } },
        },
      },
      { adapters: [postgresAdapter] },
    );
    expect(started.isErr()).toBe(true);
    const error = started._unsafeUnwrapErr();
    expect(error.message).toContain('sql.orders');
    expect(error.message).toContain('does_not_exist');
    expect(`${String(error)} ${JSON.stringify(error)}`).not.toContain(secret);
  });
});
