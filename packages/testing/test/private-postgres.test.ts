import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { type PrivateServer, privatePostgres } from '../src/index.js';
import { cli, running } from './processes.js';

const pg = privatePostgres();
const sql = (server: PrivateServer, statement: string) =>
  cli('psql', [server.url, '-v', 'ON_ERROR_STOP=1', '-qAt', '-c', statement]);

describe.skipIf(pg.skip)('startPostgres', () => {
  const started: PrivateServer[] = [];
  const start = async (...options: Parameters<NonNullable<typeof pg.server>['start']>) => {
    const server = await pg.server!.start(...options);
    started.push(server);
    return server;
  };
  afterEach(async () => {
    for (const server of started.splice(0)) await server.stop();
  });

  it('keeps committed rows through a kill and a restart on the same port', async () => {
    const server = await start();
    const { port, pid } = server;
    expect(server.url).toBe(`postgres://postgres@127.0.0.1:${port}/postgres`);
    await sql(server, 'CREATE TABLE t (n int); INSERT INTO t VALUES (1), (2)');

    await server.kill();
    expect(running(pid)).toBe(false);
    expect(server.pid).toBeUndefined();
    await expect(sql(server, 'SELECT 1')).rejects.toThrow(/connection|refused/i);

    await server.restart();
    expect(server.port).toBe(port);
    expect(running(server.pid)).toBe(true);
    expect(await sql(server, "SELECT string_agg(n::text, ',' ORDER BY n) FROM t")).toBe('1,2');
  });

  it('restarts after a kill while a session is still busy in a query', async () => {
    const server = await start();
    // A backend in a long computation does not notice its postmaster died and holds the shared
    // memory until it finishes; restart() must wait for it rather than fail.
    const compute = () => {
      const running = { ended: false, done: Promise.resolve() };
      running.done = sql(server, 'SELECT count(*) FROM generate_series(1, 10000000)').then(
        () => void (running.ended = true),
        () => void (running.ended = true),
      );
      return running;
    };
    let busy = compute();
    const active =
      "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%generate_series%' AND pid <> pg_backend_pid()";
    // Each look is a psql process: on a busy machine the computation may end before one sees it.
    while ((await sql(server, active)) !== '1') {
      if (busy.ended) busy = compute();
      await sleep(20);
    }
    await server.kill();
    await server.restart();
    expect(await sql(server, 'SELECT 1')).toBe('1');
    await busy.done;
  });

  it('restarts on its data after a clean stop that keeps it', async () => {
    const server = await start();
    await sql(server, "CREATE TABLE t (s text); INSERT INTO t VALUES ('kept')");
    const pid = server.pid;
    await server.stop({ keepData: true });
    expect(running(pid)).toBe(false);
    expect(existsSync(server.dataDir)).toBe(true);
    await server.restart();
    expect(await sql(server, 'SELECT s FROM t')).toBe('kept');
  });

  it('stop() ends the server and removes its folder; it cannot restart then', async () => {
    const server = await pg.server!.start();
    const pid = server.pid;
    expect(existsSync(server.dataDir)).toBe(true);
    await server.stop();
    expect(running(pid)).toBe(false);
    expect(existsSync(server.dataDir)).toBe(false);
    await expect(server.restart()).rejects.toThrow(/start a new one/);
  });

  it('gives each server its own port and data', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    expect(a.port).not.toBe(b.port);
    expect(a.dataDir).not.toBe(b.dataDir);
    await sql(a, 'CREATE TABLE only_in_a (n int)');
    await expect(sql(b, 'SELECT * FROM only_in_a')).rejects.toThrow(/does not exist/);
  });

  it('fails a start it cannot make with the server log', async () => {
    await expect(start({ settings: { shared_buffers: 'lots' } })).rejects.toThrow(
      /PostgreSQL exited before accepting connections[\s\S]*invalid value for parameter "shared_buffers"/,
    );
  });
});
