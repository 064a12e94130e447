import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SqlDialect } from '@keel/core';
import { expectOk } from '@keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvents, type StoredEvent } from '../../src/index.js';
import { bucketOf } from '../../src/hashing.js';
import { bundleChild } from '@keel/testing';
import type { TestDatabase } from './databases.js';

const KILLS = 30;
const SLOTS = 3;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const random = (max: number) => Math.floor(Math.random() * max);

interface Child {
  readonly exited: Promise<number | null>;
  readonly ready: Promise<boolean>;
  /** What its stdout said last about transactions and handlers. */
  state(): { inTransaction: boolean; inHandler: boolean; transactions: number; handled: number };
  kill(): boolean;
  stderr(): string;
}

function start(child: string, target: string, table: string, mode?: string): Child {
  const proc = spawn(process.execPath, [child, target, table, ...(mode ? [mode] : [])], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let stderr = '';
  let handlers = 0;
  let inTransaction = false;
  let transactions = 0;
  let handled = 0;
  proc.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const ready = new Promise<boolean>((resolve) => {
    proc.stdout?.on('data', (c: Buffer) => {
      const text = c.toString();
      if (out.length < 100) {
        out += text;
        if (out.includes('ready\n')) resolve(true);
      }
      for (const m of text) {
        if (m === 'H') handlers++;
        else if (m === 'h') {
          handlers--;
          handled++;
        } else if (m === 'T') inTransaction = true;
        else if (m === 't') {
          inTransaction = false;
          transactions++;
        }
      }
    });
    void exited.then(() => resolve(false));
  });
  return {
    exited,
    ready,
    state: () => ({ inTransaction, inHandler: handlers > 0, transactions, handled }),
    kill: () => proc.kill('SIGKILL'),
    stderr: () => stderr,
  };
}

function tablesFor(dialect: SqlDialect): string {
  const seq =
    dialect === 'postgres' ? 'BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY' : 'INTEGER PRIMARY KEY AUTOINCREMENT';
  return `CREATE TABLE kill_orders (id VARCHAR(100) PRIMARY KEY, events INTEGER NOT NULL);
CREATE TABLE kill_handled (seq ${seq}, group_name VARCHAR(20) NOT NULL, event_id VARCHAR(36) NOT NULL, aggregate_id VARCHAR(200) NOT NULL, stream_version INTEGER NOT NULL)`;
}

/**
 * Processes that publish in transactions and consume in two groups, SIGKILLed at random moments
 * (≥ 30 times): afterwards every committed order has its events and no event lacks its order,
 * each aggregate's stream is numbered without gaps, both groups handled every event (the
 * transactional one exactly once), no group ever handled an event of an aggregate before the
 * one ahead of it, and no checkpoint moved backwards.
 */
export function describeKills(db: TestDatabase): void {
  describe.skipIf(db.skip)(`SIGKILL: publishers and consumers killed at random (${db.name})`, () => {
    let child = '';
    beforeAll(async () => {
      child = (await bundleChild(new URL('kill-child.ts', import.meta.url), { external: /^better-sqlite3$/ })).file;
    });
    afterAll(() => db.cleanup());

    it(`loses no event and skips none (≥${KILLS} kills)`, async () => {
      const target = await db.create('kill');
      const sql = db.open(target);
      const table = 'kill_events';
      const events = createEvents(sql, { table });
      expectOk(await events.migrate());
      expectOk(await sql.executeScript(tablesFor(sql.capabilities.dialect)));

      // Checkpoints only move forward: watched throughout.
      const seen = new Map<string, number>();
      const backwards: string[] = [];
      let watching = true;
      const watcher = (async () => {
        while (watching) {
          for (const group of ['plain', 'exact']) {
            const rows = await events.checkpoints(group);
            for (const c of rows.isOk() ? rows.value : []) {
              const key = `${group}/${c.partition}`;
              if (c.position < (seen.get(key) ?? 0)) backwards.push(`${key}: ${seen.get(key)} → ${c.position}`);
              seen.set(key, c.position);
            }
          }
          await sleep(30);
        }
      })();

      let kills = 0;
      let midTransaction = 0;
      let midHandler = 0;
      const slot = async () => {
        while (kills < KILLS) {
          const c = start(child, target, table);
          if (!(await c.ready)) throw new Error(`a child exited before it was ready: ${c.stderr()}`);
          // Once it has published and handled something, a random moment, then the next instant
          // it is inside a transaction (or, every other time, a handler): a kill there is what
          // the test is about.
          for (let waited = 0; (c.state().transactions < 2 || c.state().handled < 2) && waited < 1000; waited += 5)
            await sleep(5);
          await sleep(random(100));
          const inside = kills % 2 === 0 ? 'inTransaction' : 'inHandler';
          for (let waited = 0; !c.state()[inside] && waited < 300; waited++) await sleep(1);
          const { inTransaction, inHandler } = c.state();
          if (!c.kill()) throw new Error(`a child died by itself: ${c.stderr()}`);
          await c.exited;
          kills++;
          if (inTransaction) midTransaction++;
          if (inHandler) midHandler++;
        }
      };
      const began = Date.now();
      await Promise.all(Array.from({ length: SLOTS }, slot));
      const killing = Date.now() - began;

      // One more consumer, which nobody kills, catches up (the dead ones' leases expire first).
      const drain = start(child, target, table, 'drain');
      const all: StoredEvent[] = [];
      for await (const e of events.iterate({ replay: true, limit: 1000 })) all.push(e);
      const handled = async (group: string) =>
        expectOk(
          await sql.query(
            'SELECT event_id, aggregate_id, stream_version FROM kill_handled WHERE group_name = ? ORDER BY seq',
            [group],
          ),
        ).rows.map(([id, aggregateId, version]) => ({
          id: id as string,
          aggregateId: aggregateId as string,
          version: Number(version),
        }));
      // Caught up: every partition's checkpoint at its newest event.
      const newest = new Map<number, number>();
      for (const e of all) newest.set(bucketOf(e.aggregateId) % 4, e.position);
      const caughtUp = async (group: string) =>
        expectOk(await events.checkpoints(group)).every((c) => c.position >= (newest.get(c.partition) ?? 0));
      for (let waited = 0; !((await caughtUp('plain')) && (await caughtUp('exact'))); waited += 50) {
        if (waited > 40_000) throw new Error(`the drain did not catch up: ${drain.stderr()}`);
        await sleep(50);
      }
      drain.kill();
      await drain.exited;
      const draining = Date.now() - began - killing;
      watching = false;
      await watcher;

      // Publishing: an event exists if and only if its order committed.
      const orders = new Map(
        expectOk(await sql.query('SELECT id, events FROM kill_orders')).rows.map(([id, n]) => [
          id as string,
          Number(n),
        ]),
      );
      const perOrder = new Map<string, number>();
      for (const e of all) {
        const order = (e.data as { order: string }).order;
        perOrder.set(order, (perOrder.get(order) ?? 0) + 1);
      }
      expect([...perOrder.keys()].filter((o) => !orders.has(o))).toEqual([]);
      expect([...orders].filter(([o, n]) => perOrder.get(o) !== n)).toEqual([]);
      // Streams are numbered 1, 2, … without gaps or repeats, in store order.
      const streams = new Map<string, number[]>();
      for (const e of all) streams.set(e.aggregateId, [...(streams.get(e.aggregateId) ?? []), e.streamVersion]);
      for (const [, versions] of streams) expect(versions).toEqual(versions.map((_, i) => i + 1));

      // Consuming: every event handled, per aggregate never ahead of the one before it.
      const ids = all.map((e) => e.id).sort();
      for (const group of ['plain', 'exact']) {
        const rows = await handled(group);
        expect([...new Set(rows.map((r) => r.id))].sort(), group).toEqual(ids);
        const last = new Map<string, number>();
        const skipped = rows.filter((r) => {
          const before = last.get(r.aggregateId) ?? 0;
          last.set(r.aggregateId, Math.max(before, r.version));
          return r.version > before + 1;
        });
        expect(skipped, group).toEqual([]);
        if (group === 'exact') {
          expect(rows.length, 'exact: each event once').toBe(all.length);
          const order = new Map<string, number[]>();
          for (const r of rows) order.set(r.aggregateId, [...(order.get(r.aggregateId) ?? []), r.version]);
          for (const [, versions] of order) expect(versions).toEqual(versions.map((_, i) => i + 1));
        }
      }
      expect(backwards).toEqual([]);
      const plain = (await handled('plain')).length;
      console.info(
        `[kill test ${db.name}] ${kills} SIGKILLs (${midTransaction} inside a publishing transaction, ${midHandler} inside a handler); ` +
          `${orders.size} orders committed, ${all.length} events; group plain handled ${plain} times (${plain - all.length} redeliveries), exact ${all.length}; ${killing} ms killing, ${draining} ms draining`,
      );
      expect(kills).toBeGreaterThanOrEqual(KILLS);
      expect(midTransaction).toBeGreaterThan(0);
      expect(midHandler).toBeGreaterThan(0);
      // Killed mid-delivery, the plain group got those events again (the exact one never shows it).
      expect(plain).toBeGreaterThan(all.length);
      await events.close();
      await sql.close();
    }, 120_000);
  });
}
