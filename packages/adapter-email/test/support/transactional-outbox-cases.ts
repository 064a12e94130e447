import { createObservability, err, ok, type Email, type EmailReceipt, type Sql } from '@keel/core';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { defineEmail } from '@keel/core/adapter';
import { ManualClock, expectErr, expectOk } from '@keel/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEmailOutbox, createOutboxEmail, createSendgridEmail, type EmailOutboxOptions } from '../../src/index.js';
import { closedPort } from './http-fake.js';
import { startSendgridFake } from './sendgrid-fake.js';

/** Where the outbox's tests keep their tables. */
export interface OutboxDatabase {
  /** Names the database in test titles. */
  readonly name: string;
  /** A fresh, empty database (the tests close it). */
  open(): Promise<Sql>;
  /** Removes what `open` created, after every instance is closed. */
  cleanup(): Promise<void>;
}

const message = (n: number | string) => ({
  from: 'Shop <shop@example.com>',
  to: ['ada@example.com'],
  subject: `Order ${n}`,
  text: `Thanks for order ${n}`,
});

const placeOrder = (sql: Sql, outbox: ReturnType<typeof createEmailOutbox>, id: number, fail = false) =>
  sql.transaction(async (tx) => {
    const inserted = await tx.execute('INSERT INTO orders (id, total) VALUES (?, ?)', [id, 100]);
    if (inserted.isErr()) return err(inserted.error);
    const queued = await outbox.enqueue(tx, message(id));
    if (queued.isErr()) return err(queued.error);
    return fail ? err(new Error('payment declined')) : ok(queued.value);
  });

/** The transactional outbox's tests, each on a fresh database of `database`, delivering to a SendGrid fake. */
export function describeTransactionalOutbox(database: OutboxDatabase): void {
  describe(`createEmailOutbox (${database.name})`, () => {
    let fake: Awaited<ReturnType<typeof startSendgridFake>>;
    beforeAll(async () => {
      fake = await startSendgridFake();
    });

    const opened: { close(): Promise<void> }[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((x) => x.close()));
    });
    // Each DROP DATABASE waits for a checkpoint: a few dozen take a while on a busy server.
    afterAll(async () => {
      await fake.close();
      await database.cleanup();
    }, 300_000);

    let keys = 0;
    async function setup(extra: Partial<EmailOutboxOptions> & { email?: Email } = {}) {
      const clock = new ManualClock();
      const sql = await database.open();
      opened.push(sql);
      const apiKey = `SG.tx${keys++}`;
      const email = extra.email ?? createSendgridEmail({ apiKey, baseUrl: fake.url, retry: false, clock });
      opened.push(email);
      expectOk(await sql.executeScript('CREATE TABLE orders (id INTEGER PRIMARY KEY, total INTEGER NOT NULL)'));
      const outbox = createEmailOutbox({ sql, email, clock, random: () => 0.5, ...extra });
      expectOk(await outbox.migrate());
      return { clock, sql, email, outbox, apiKey };
    }

    it('delivers each message in a span of the trace that enqueued it', async () => {
      // The app's SDK: spans follow awaits (so the enqueue sees its caller's span), kept in memory.
      context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
      const spans = new InMemorySpanExporter();
      const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
      const { sql, outbox } = await setup({ observability: createObservability({}, { tracerProvider }) });
      const request = tracerProvider.getTracer('test').startSpan('POST /orders');
      expectOk(await context.with(trace.setSpan(context.active(), request), () => placeOrder(sql, outbox, 1)));
      request.end();
      expectOk(await placeOrder(sql, outbox, 2)); // outside any trace
      expect(expectOk(await outbox.dispatchOnce()).sent).toBe(2);
      const deliveries = spans.getFinishedSpans().filter((s) => s.name === 'email outbox deliver');
      const traced = deliveries.filter((s) => s.parentSpanContext?.spanId === request.spanContext().spanId);
      expect(traced).toHaveLength(1);
      expect(traced[0]?.spanContext().traceId).toBe(request.spanContext().traceId);
      expect(traced[0]?.attributes).toMatchObject({
        'keel.email.outbox.outcome': 'sent',
        'keel.email.outbox.attempt': 1,
      });
      // The other one was enqueued outside a trace: its delivery starts one of its own.
      expect(deliveries.filter((s) => s.parentSpanContext === undefined)).toHaveLength(1);
    });

    it('an email exists if and only if the business transaction committed', async () => {
      const { sql, outbox, apiKey } = await setup();
      expectOk(await placeOrder(sql, outbox, 1));
      expect((await placeOrder(sql, outbox, 2, true)).isErr()).toBe(true);
      const threw = await sql.transaction(async (tx) => {
        await outbox.enqueue(tx, message(3));
        throw new Error('bug in the business code');
      });
      expect(threw.isErr()).toBe(true);
      expect(expectOk(await outbox.counts())).toEqual({ pending: 1, sent: 0, dead: 0 });
      expect(expectOk(await outbox.dispatchOnce())).toEqual({ claimed: 1, sent: 1, retried: 0, dead: 0, released: 0 });
      expect(expectOk(await outbox.dispatchOnce()).claimed).toBe(0);
      expect(fake.delivered(apiKey).map((d) => d.subject)).toEqual(['Order 1']);
      expect(expectOk(await sql.query('SELECT id FROM orders')).rows).toEqual([[1]]);
    });

    it('delivers with the idempotency key and records the provider receipt', async () => {
      const { sql, outbox, apiKey } = await setup();
      const queued = expectOk(await outbox.enqueue(sql, { ...message('k'), idempotencyKey: 'order-k-confirmation' }));
      const plain = expectOk(await outbox.enqueue(sql, message('p')));
      expect(queued.idempotencyKey).toBe('order-k-confirmation');
      expect(plain.idempotencyKey).toBe(`keel-outbox:${plain.id}`);
      expectOk(await outbox.dispatchOnce());
      const sent = fake.accepted.filter((a) => a.apiKey === apiKey);
      expect(sent.map((a) => a.idempotencyKey).sort()).toEqual(
        ['order-k-confirmation', `keel-outbox:${plain.id}`].sort(),
      );
      const rows = expectOk(
        await sql.query(
          'SELECT provider, provider_message_id, status, attempts FROM keel_email_outbox ORDER BY created_at, id',
        ),
      );
      expect(rows.rows.map((r) => [r[0], r[2], r[3]])).toEqual([
        ['sendgrid', 'sent', 1],
        ['sendgrid', 'sent', 1],
      ]);
      expect(rows.rows.map((r) => r[1]).sort()).toEqual(sent.map((a) => a.messageId).sort());
    });

    it('refuses an invalid message at enqueue, and the caller may still commit the rest', async () => {
      const { sql, outbox } = await setup();
      const result = await sql.transaction(async (tx) => {
        await tx.execute('INSERT INTO orders (id, total) VALUES (?, ?)', [9, 1]);
        const queued = await outbox.enqueue(tx, { ...message(9), subject: 'x\r\nBcc: victim@example.com' });
        expect(expectErr(queued, 'INVALID_MESSAGE').message).toContain('header injection');
        return ok('committed without the email');
      });
      expectOk(result);
      expect(expectOk(await outbox.counts())).toEqual({ pending: 0, sent: 0, dead: 0 });
    });

    it('keeps attachments byte for byte through the table', async () => {
      const dev = createOutboxEmail();
      const { sql, outbox } = await setup({ email: dev });
      const pdf = new Uint8Array(4096).map((_, i) => (i * 13) % 256);
      expectOk(
        await outbox.enqueue(sql, {
          ...message('a'),
          html: '<img src="cid:l">',
          attachments: [
            { filename: 'r.pdf', contentType: 'application/pdf', content: pdf },
            { filename: 'l.png', contentType: 'image/png', content: new Uint8Array([1, 2]), contentId: 'l' },
          ],
        }),
      );
      expectOk(await outbox.dispatchOnce());
      const [sent] = dev.messages();
      expect([...(sent?.message.attachments[0]?.content ?? [])]).toEqual([...pdf]);
      expect(sent?.message.attachments[1]?.contentId).toBe('l');
    });

    it('retries a failed send after a backoff, then sends with the same key', async () => {
      const { sql, outbox, clock, apiKey } = await setup({ retry: { initialDelayMs: 1000, maxDelayMs: 60_000 } });
      const queued = expectOk(await outbox.enqueue(sql, message(1)));
      fake.server.failNext({ status: 503 });
      expect(expectOk(await outbox.dispatchOnce())).toMatchObject({ claimed: 1, retried: 1 });
      expect(expectOk(await outbox.dispatchOnce()).claimed).toBe(0);
      clock.advance(749); // equal jitter with random 0.5: 500 + 250
      expect(expectOk(await outbox.dispatchOnce()).claimed).toBe(0);
      clock.advance(1);
      expect(expectOk(await outbox.dispatchOnce())).toMatchObject({ claimed: 1, sent: 1 });
      expect(fake.accepted.filter((a) => a.apiKey === apiKey).map((a) => a.idempotencyKey)).toEqual([
        queued.idempotencyKey,
      ]);
    });

    it("waits at least the provider's Retry-After", async () => {
      const { sql, outbox, clock } = await setup();
      expectOk(await outbox.enqueue(sql, message(1)));
      fake.server.failNext({ status: 429, headers: { 'retry-after': '120' } });
      expectOk(await outbox.dispatchOnce());
      clock.advance(119_999);
      expect(expectOk(await outbox.dispatchOnce()).claimed).toBe(0);
      clock.advance(1);
      expect(expectOk(await outbox.dispatchOnce()).sent).toBe(1);
    });

    it('dead-letters after maxAttempts, and requeue brings a message back', async () => {
      const down = createSendgridEmail({
        apiKey: 'SG.down',
        baseUrl: `http://127.0.0.1:${await closedPort()}`,
        retry: false,
        circuitBreaker: false,
      });
      const { sql, outbox, clock } = await setup({
        email: down,
        maxAttempts: 3,
        retry: { initialDelayMs: 10, maxDelayMs: 10 },
      });
      const queued = expectOk(await outbox.enqueue(sql, message(1)));
      const reports = [];
      for (let i = 0; i < 4; i++) {
        reports.push(expectOk(await outbox.dispatchOnce()));
        clock.advance(10);
      }
      expect(reports.map((r) => [r.retried, r.dead])).toEqual([
        [1, 0],
        [1, 0],
        [0, 1],
        [0, 0],
      ]);
      const [dead] = expectOk(await outbox.deadLetters());
      expect(dead).toMatchObject({ id: queued.id, attempts: 3, errorCode: 'UNAVAILABLE' });
      expect(dead?.error).toContain('ECONNREFUSED');
      expect(expectOk(await outbox.requeue(queued.id))).toBe(true);
      expect(expectOk(await outbox.requeue(queued.id))).toBe(false);
      expect(expectOk(await outbox.counts())).toEqual({ pending: 1, sent: 0, dead: 0 });
    });

    it('dead-letters a rejected message at once', async () => {
      const { sql, outbox } = await setup();
      expectOk(await outbox.enqueue(sql, message(1)));
      fake.server.failNext({
        status: 400,
        body: JSON.stringify({
          errors: [{ field: 'from', message: 'The from address does not match a verified Sender Identity.' }],
        }),
      });
      expect(expectOk(await outbox.dispatchOnce())).toMatchObject({ dead: 1 });
      expect(expectOk(await outbox.deadLetters())[0]).toMatchObject({ errorCode: 'REJECTED', attempts: 1 });
    });

    it('recovers messages claimed by a dispatcher that died, once its lease expires', async () => {
      let release: (() => void) | undefined;
      const hanging = defineEmail({
        adapter: 'hanging',
        capabilities: { delivers: true, attachments: true, inlineImages: true, customHeaders: true, tags: true },
        send: () =>
          new Promise<EmailReceipt>(
            (resolve) => (release = () => resolve({ messageId: 'late', provider: 'hanging', accepted: [] })),
          ),
      });
      const { sql, outbox: survivor, clock, apiKey } = await setup({ leaseMs: 30_000, dispatcherId: 'survivor' });
      const dying = createEmailOutbox({ sql, email: hanging, clock, leaseMs: 30_000, dispatcherId: 'dying' });
      expectOk(await survivor.enqueue(sql, message(1)));
      const stuck = dying.dispatchOnce(); // claims, then never finishes: as good as dead
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(expectOk(await survivor.dispatchOnce()).claimed).toBe(0);
      clock.advance(30_000);
      expect(expectOk(await survivor.dispatchOnce())).toMatchObject({ claimed: 1, sent: 1 });
      expect(fake.delivered(apiKey)).toHaveLength(1);
      // The dead one's late answer does not undo the survivor's record.
      release?.();
      expectOk(await stuck);
      expect(expectOk(await sql.query('SELECT status, provider, attempts FROM keel_email_outbox')).rows).toEqual([
        ['sent', 'sendgrid', 2],
      ]);
    });

    it('buries a message whose claims keep dying, instead of claiming it forever', async () => {
      const { sql, outbox } = await setup({ maxAttempts: 2 });
      const queued = expectOk(await outbox.enqueue(sql, message(1)));
      expectOk(await sql.execute('UPDATE keel_email_outbox SET attempts = 2 WHERE id = ?', [queued.id]));
      expect(expectOk(await outbox.dispatchOnce())).toMatchObject({ claimed: 0, dead: 1 });
      expect(expectOk(await outbox.deadLetters())[0]?.error).toContain('no outcome was recorded after 2 claims');
    });

    it('hands a message back untried when the email adapter is closed', async () => {
      const { sql, outbox, email } = await setup();
      expectOk(await outbox.enqueue(sql, message(1)));
      await email.close();
      expect(expectOk(await outbox.dispatchOnce())).toMatchObject({ claimed: 1, released: 1 });
      expect(expectOk(await sql.query('SELECT attempts, lease_owner FROM keel_email_outbox')).rows).toEqual([
        [0, null],
      ]);
    });

    it('several dispatchers deliver each message once when none dies', async () => {
      // They share one Sql: on SQLite its one connection (better-sqlite3 is synchronous), on
      // PostgreSQL its pool, so that their claim transactions overlap. The kill test runs
      // dispatchers in separate processes.
      const { sql, outbox, apiKey, email } = await setup({ batchSize: 3, concurrency: 2 });
      for (let i = 0; i < 40; i++) expectOk(await outbox.enqueue(sql, message(i)));
      const others = [1, 2].map((n) =>
        createEmailOutbox({ sql, email, batchSize: 3, concurrency: 2, dispatcherId: `d${n}` }),
      );
      const drain = async (o: typeof outbox) => {
        let claimed = 0;
        for (let pass = expectOk(await o.dispatchOnce()); pass.claimed > 0; pass = expectOk(await o.dispatchOnce()))
          claimed += pass.claimed;
        return claimed;
      };
      const claims = await Promise.all([drain(outbox), ...others.map(drain)]);
      expect(claims.reduce((a, b) => a + b, 0)).toBe(40);
      const subjects = fake.delivered(apiKey).map((d) => d.subject);
      expect(subjects).toHaveLength(40);
      expect(new Set(subjects).size).toBe(40);
    });

    it('start() delivers in the background until stop(); wake() skips the wait', async () => {
      const { sql, outbox, apiKey } = await setup({ pollIntervalMs: 60_000 });
      outbox.start();
      outbox.start();
      await new Promise((resolve) => setTimeout(resolve, 20));
      expectOk(await outbox.enqueue(sql, message('bg')));
      outbox.wake();
      for (let i = 0; i < 100 && fake.delivered(apiKey).length === 0; i++)
        await new Promise((resolve) => setTimeout(resolve, 10));
      await outbox.stop();
      expect(fake.delivered(apiKey).map((d) => d.subject)).toEqual(['Order bg']);
    });

    it('purges sent messages older than a given age and migrates idempotently', async () => {
      const { sql, outbox, clock } = await setup();
      expectOk(await outbox.enqueue(sql, message(1)));
      expectOk(await outbox.dispatchOnce());
      expectOk(await outbox.migrate());
      expect(expectOk(await outbox.purgeSent(60_000))).toBe(0);
      clock.advance(60_001);
      expect(expectOk(await outbox.purgeSent(60_000))).toBe(1);
    });

    it('refuses bad options naming the field', async () => {
      const { sql, email } = await setup();
      expect(() => createEmailOutbox({ sql, email, table: 'x; DROP TABLE y' })).toThrow(
        /table: expected a plain identifier/,
      );
      expect(() => createEmailOutbox({ sql, email, maxAttempts: 0 })).toThrow(/maxAttempts: expected an integer/);
      expect(() => createEmailOutbox({ sql: {} as Sql, email })).toThrow(/sql: expected a Sql instance/);
      expect(() => createEmailOutbox({ sql, email, leaseMS: 5 } as never)).toThrow(/did you mean 'leaseMs'/);
      expect(() => createEmailOutbox({ sql, email, dispatcherId: 'd'.repeat(65) })).toThrow(
        /dispatcherId: expected at most 64 characters/,
      );
    });
  });
}
