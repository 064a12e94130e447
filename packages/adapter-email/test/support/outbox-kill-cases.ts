import { spawn, type ChildProcess } from 'node:child_process';
import { bundleChild } from '@keel/testing';
import { fileURLToPath } from 'node:url';
import { err, ok, type Sql } from '@keel/core';
import { expectOk } from '@keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmailOutbox, createOutboxEmail } from '../../src/index.js';
import { startSendgridFake } from './sendgrid-fake.js';

/** The database the kill test's processes share. */
export interface KillDatabase {
  /** Names the database in test titles. */
  readonly name: string;
  /** A fresh, empty database: what the dispatcher processes get on their command line (a file or a URL). */
  create(): Promise<string>;
  /** The test's own connection to it. */
  open(target: string): Sql;
  /** Removes what `create` made, after every connection is closed. */
  cleanup(): Promise<void>;
}

const KILLS = 30;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const random = (max: number) => Math.floor(Math.random() * max);

/**
 * Dispatcher processes, two at a time, SIGKILLed mid-delivery while messages are enqueued (some
 * in rolled-back transactions): afterwards every committed message was delivered at least once.
 */
export function describeOutboxKills(database: KillDatabase): void {
  describe(`transactional outbox under SIGKILL (${database.name})`, () => {
    // Each request takes 5-45 ms, so a kill soon after the first one lands mid-delivery.
    let fake: Awaited<ReturnType<typeof startSendgridFake>>;
    // Bundled once, so that each dispatcher start is a plain `node` start (the drivers as installed).
    let child: Awaited<ReturnType<typeof bundleChild>>;
    beforeAll(async () => {
      fake = await startSendgridFake({ delayMs: () => 5 + random(40) });
      child = await bundleChild(new URL('outbox-dispatcher-child.ts', import.meta.url), {
        external: /^(better-sqlite3|postgres)$/,
      });
    }, 60_000);
    afterAll(async () => {
      child?.remove();
      await fake.close();
      await database.cleanup();
    }, 300_000);

    function start(
      target: string,
      apiKey: string,
    ): { process: ChildProcess; exited: Promise<number | null>; stderr: () => string } {
      const proc = spawn(process.execPath, [child.file, target, fake.url, apiKey], {
        cwd: fileURLToPath(new URL('../..', import.meta.url)),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      proc.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
      proc.stdout?.resume();
      const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
      return { process: proc, exited, stderr: () => stderr };
    }

    it(`delivers every committed message at least once while dispatchers are killed mid-delivery (≥${KILLS} kills)`, async () => {
      const target = await database.create();
      const sql = database.open(target);
      // The parent only enqueues; its email adapter is used for validation.
      const outbox = createEmailOutbox({ sql, email: createOutboxEmail() });
      expectOk(await outbox.migrate());
      expectOk(await sql.executeScript('CREATE TABLE orders (id INTEGER PRIMARY KEY)'));

      const committed = new Map<string, string>(); // idempotency key → subject
      const rolledBack = new Set<string>(); // subjects
      let order = 0;
      const enqueue = async (commit: boolean) => {
        const id = ++order;
        const subject = `Order ${id}`;
        const done = await sql.transaction(async (tx) => {
          await tx.execute('INSERT INTO orders (id) VALUES (?)', [id]);
          const queued = await outbox.enqueue(tx, {
            from: 'shop@example.com',
            to: [`customer${id}@example.com`],
            subject,
            text: `Thanks for order ${id}`,
          });
          if (queued.isErr()) return err(queued.error);
          return commit ? ok(queued.value) : err(new Error('payment declined'));
        });
        if (commit) committed.set(expectOk(done).idempotencyKey, subject);
        else rolledBack.add(subject);
      };

      let kills = 0;
      let midDelivery = 0;
      let round = 0;
      const runAndKill = async (apiKey: string) => {
        const before = fake.server.requests.length;
        const c = start(target, apiKey);
        const mine = () =>
          [...fake.server.requests.slice(before)].some((r) => r.headers.authorization === `Bearer ${apiKey}`);
        let exited = false;
        void c.exited.then(() => (exited = true));
        for (let waited = 0; !mine() && !exited && waited < 5000; waited += 5) await sleep(5);
        if (exited) return;
        // A random moment, then the next instant one of its deliveries is in flight.
        await sleep(random(80));
        const sending = () => [...fake.server.inFlight].some((r) => r.headers.authorization === `Bearer ${apiKey}`);
        for (let waited = 0; !sending() && !exited && waited < 300; waited += 1) await sleep(1);
        const inFlight = sending();
        if (!c.process.kill('SIGKILL')) return;
        await c.exited;
        kills++;
        if (inFlight) midDelivery++;
      };

      while (midDelivery < KILLS && round < 100) {
        round++;
        for (let i = 0; i < 6; i++) await enqueue(true);
        await enqueue(false);
        // Two dispatchers at once, in separate processes, so their claims race too.
        await Promise.all([runAndKill(`SG.kill-${round}-a`), runAndKill(`SG.kill-${round}-b`)]);
      }

      const last = start(target, 'SG.kill-final');
      expect(await last.exited, last.stderr()).toBe(0);

      const deliveries = fake.accepted.filter((a) => a.apiKey.startsWith('SG.kill-'));
      const byKey = new Map<string, string[]>();
      for (const d of deliveries) {
        const key = d.idempotencyKey as string;
        byKey.set(key, [...(byKey.get(key) ?? []), d.body.subject]);
      }
      // None lost: every committed message was delivered, at least once.
      const missing = [...committed.keys()].filter((key) => !byKey.has(key));
      expect(missing).toEqual([]);
      // Nothing else: no rolled-back message, no message without its key.
      expect([...byKey.keys()].filter((key) => !committed.has(key))).toEqual([]);
      expect(deliveries.filter((d) => rolledBack.has(d.body.subject))).toEqual([]);
      // A duplicate is the same message under the same idempotency key.
      for (const [key, subjects] of byKey) expect(new Set(subjects), key).toEqual(new Set([committed.get(key)]));
      expect(expectOk(await outbox.counts())).toEqual({ pending: 0, sent: committed.size, dead: 0 });
      expect(expectOk(await sql.query('SELECT COUNT(*) FROM orders')).rows).toEqual([[committed.size]]);

      const duplicates = deliveries.length - byKey.size;
      console.info(
        `[kill test] ${kills} SIGKILLs (${midDelivery} with a delivery in flight) over ${round} rounds; ` +
          `${committed.size} committed and ${rolledBack.size} rolled-back messages; ${deliveries.length} deliveries, ${duplicates} duplicates (same key)`,
      );
      expect(midDelivery).toBeGreaterThanOrEqual(KILLS);
      await sql.close();
    }, 110_000);
  });
}
