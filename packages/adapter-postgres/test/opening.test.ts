import { createKeel, type SqlError } from '@keel/core';
import { expectErr, expectOk, type PrivateServer, privatePostgres, testPostgres } from '@keel/testing';
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresSql, postgresAdapter, type PostgresSqlOptions } from '../src/index.js';

const pg = await testPostgres();
const privatePg = privatePostgres();
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
      const error = await openFails({
        connectionString: urlWith((u) => (u.port = String(port))),
        connectTimeoutMs: 300,
      });
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
    const error = await openFails({
      connectionString: urlWith(() => {}),
      database: 'does_not_exist',
      password: secret,
    });
    expect(error.message).toContain('does_not_exist');
    const ok = createPostgresSql({
      connectionString: urlWith((u) => (u.pathname = '/does_not_exist')),
      database: server.pathname.slice(1),
    });
    expectOk(await ok.open());
    await ok.close();
  });

  it('createKeel returns a KeelStartupError naming the instance', async () => {
    const started = await createKeel(
      {
        sql: {
          orders: {
            adapter: 'postgres',
            options: { connectionString: urlWith((u) => (u.pathname = '/does_not_exist')) },
          },
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

/**
 * The failures the machine's trust-auth, TLS-less server cannot show, on a private server that
 * needs a password (scram-sha-256) and has TLS on (a self-signed certificate).
 */
describe.skipIf(privatePg.skip !== undefined)(
  `opening a server that checks${privatePg.skip ? ` — skipped: ${privatePg.skip}` : ''}`,
  () => {
    let server: PrivateServer;
    const run = promisify(execFile);
    const psql = (statement: string) => run('psql', [server.url, '-v', 'ON_ERROR_STOP=1', '-qAt', '-c', statement]);
    /** The server's own files: written in place, so they keep the owner and mode the server reads them with. */
    const hba = (lines: string) => writeFileSync(join(server.dataDir, 'pg_hba.conf'), `${lines}\n`);
    const url = (password: string) => {
      const withPassword = new URL(server.url);
      withPassword.password = password;
      return withPassword.toString();
    };

    beforeAll(async () => {
      server = await privatePg.server!.start();
      const { uid, gid } = statSync(server.dataDir);
      const [key, cert] = [join(server.dataDir, 'server.key'), join(server.dataDir, 'server.crt')];
      const selfSigned =
        'req -x509 -nodes -days 1 -subj /CN=127.0.0.1 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1';
      await run('openssl', [...selfSigned.split(' '), '-keyout', key, '-out', cert]);
      // PostgreSQL reads the key only when its owner runs the server and no one else may read it.
      for (const file of [key, cert]) chownSync(file, uid, gid);
      chmodSync(key, 0o600);
      await psql(`ALTER USER postgres PASSWORD '${secret}'`);
      await psql('ALTER SYSTEM SET ssl = on'); // read at the restart each test does
    }, 60_000);
    afterAll(() => server?.stop(), 60_000);

    it('a wrong password says to check the user name and password, also through createKeel', async () => {
      hba('host all all 127.0.0.1/32 scram-sha-256');
      await server.restart();
      // A near miss holds the real password, so the checks for it also cover what was sent.
      const typo = `${secret}x`;
      const error = await openFails({ connectionString: url(typo) });
      expect(error.message).toMatch(
        /password authentication failed for user "postgres"; check the user name and password/,
      );
      const right = createPostgresSql({ connectionString: url(secret) });
      expectOk(await right.open());
      await right.close();

      const started = await createKeel(
        { sql: { orders: { adapter: 'postgres', options: { connectionString: url(typo) } } } },
        { adapters: [postgresAdapter] },
      );
      const startup = started._unsafeUnwrapErr();
      expect(startup.message).toContain('sql.orders (postgres): cannot connect to PostgreSQL');
      expect(startup.message).toContain('check the user name and password');
      expect(`${String(startup)} ${JSON.stringify(startup)}`).not.toContain(secret);
    });

    it('a server that takes only TLS says to set ssl', async () => {
      hba('hostssl all all 127.0.0.1/32 scram-sha-256');
      await server.restart();
      const error = await openFails({ connectionString: url(secret) });
      expect(error.message).toMatch(
        /no pg_hba.conf entry .* no encryption; set ssl \(true, or 'no-verify' for a self-signed/,
      );
      expect(error.message).not.toContain('check the user name');
      // The advice works: the same settings with TLS get in.
      const tls = createPostgresSql({ connectionString: url(secret), ssl: 'no-verify' });
      expectOk(await tls.open());
      await tls.close();
    });
  },
);
