import { randomUUID } from 'node:crypto';
import {
  EmailError,
  ResultAsync,
  captureTraceContext,
  createMigrator,
  err,
  ok,
  okAsync,
  runWithTraceContext,
  type Email,
  type EmailErrorCode,
  type EmailMessage,
  type Sql,
  type SqlError,
  type SqlTransaction,
  type SqlValue,
  type TraceCarrier,
} from '@keel/core';
import { defineEmail, parseOptions } from '@keel/core/adapter';
import { decodeMessage, encodeMessage } from './outbox-codec.js';
import { outboxMigrations, outboxStatements } from './outbox-store.js';
import { limitsOf } from './reliable-driver.js';
import type { DispatchReport, EmailOutbox, OutboxCounts } from './transactional-outbox-types.js';
import {
  emailOutboxOptions,
  withInstancesGiven,
  type EmailOutboxOptions,
  type ResolvedEmailOutboxOptions,
} from './transactional-outbox-options.js';

interface Claimed {
  readonly id: string;
  readonly idempotencyKey: string;
  readonly message: string;
  readonly attempts: number;
  /** The trace context of the enqueue (`captureTraceContext()`), or none. */
  readonly trace: TraceCarrier | undefined;
}

/** Codes that mean the same message will fail again anywhere: dead-lettered at once. */
const PERMANENT: ReadonlySet<EmailErrorCode> = new Set(['REJECTED', 'INVALID_MESSAGE']);

/**
 * The transactional outbox. `enqueue(tx, message)` inserts the message in the caller's
 * transaction. Dispatchers (any number, any process) claim due messages by writing a lease
 * (owner and expiry) with a conditional update, send them through `email` with the message's
 * idempotency key, and mark them sent; a failure is tried again after a backoff, and a message
 * is dead-lettered when rejected or after `maxAttempts`. A dispatcher that dies loses its
 * leases when they expire and the messages are claimed again. Delivery is at least once: a
 * dispatcher killed between the provider's acceptance and the `sent` mark delivers the
 * message a second time, with the same idempotency key.
 *
 * @example
 * const outbox = createEmailOutbox({ sql: keel.sql, email: keel.email }); // or emailOutboxService() in createKeel
 * await outbox.migrate();
 * await keel.sql.transaction(async (tx) => {
 *   await tx.execute('INSERT INTO orders (id, total) VALUES (?, ?)', [id, total]);
 *   return outbox.enqueue(tx, { from: 'shop@example.com', to: [customer], subject: 'Order received', text });
 * });
 * outbox.start(); // in a worker, or in the app; await outbox.stop() on shutdown
 */
export function createEmailOutbox(options: EmailOutboxOptions): EmailOutbox {
  const parsed = parseOptions(emailOutboxOptions, options, 'createEmailOutbox');
  return buildEmailOutbox(withInstancesGiven(parsed, 'createEmailOutbox'));
}

/** The outbox from checked options and the instances it runs on. */
export function buildEmailOutbox(options: ResolvedEmailOutboxOptions): EmailOutbox {
  const o = {
    ...options,
    dispatcherId: options.dispatcherId ?? randomUUID(),
    onError: options.onError ?? (() => {}),
    random: options.random ?? Math.random,
  };
  const { sql, email, clock } = o;
  const s = outboxStatements(o.table, sql.capabilities.dialect);
  const migrator = createMigrator(sql, {
    migrations: outboxMigrations(o.table),
    scope: `keel-email-outbox:${o.table}`,
  });
  // Core's guard, used only to validate at enqueue what the dispatcher's adapter would refuse.
  const validator = defineEmail({
    adapter: email.adapter,
    capabilities: email.capabilities,
    limits: limitsOf(email),
    send: () => ({ messageId: '', provider: '', accepted: [] }),
  });

  let loop: Promise<void> | undefined;
  let stopping = false;
  let wakeUp: (() => void) | undefined;

  const backoff = (attempts: number): number => {
    const { initialDelayMs, maxDelayMs, multiplier } = o.retry;
    const cap = Math.min(maxDelayMs, initialDelayMs * multiplier ** (attempts - 1));
    return Math.floor(cap / 2 + (o.random() * cap) / 2);
  };

  // An idle pass only reads; the write transaction (a lock on SQLite) starts when work is due.
  const claim = (now: number) =>
    sql
      .query(s.due, [now, now, 1])
      .andThen(({ rows }) => (rows.length === 0 ? okAsync({ claimed: [] as Claimed[], buried: 0 }) : claimDue(now)));
  const claimDue = (now: number) =>
    sql.transaction(async (tx) => {
      const due = await tx.query(s.claimable, [now, now, o.batchSize]);
      if (due.isErr()) return err(due.error);
      const claimed: Claimed[] = [];
      let buried = 0;
      for (const [id, idempotencyKey, message, attempts, trace] of due.value.rows as Row[]) {
        if (attempts >= o.maxAttempts) {
          const why = `no outcome was recorded after ${attempts} claims (the dispatcher died or lost its lease each time)`;
          const done = await tx.execute(s.bury, [why, id, now]);
          if (done.isErr()) return err(done.error);
          buried += done.value.rowsAffected;
          continue;
        }
        const done = await tx.execute(s.claim, [o.dispatcherId, now + o.leaseMs, id, now]);
        if (done.isErr()) return err(done.error);
        if (done.value.rowsAffected === 1)
          claimed.push({ id, idempotencyKey, message, attempts: attempts + 1, trace: parseTrace(trace) });
      }
      return ok({ claimed, buried });
    });

  type Outcome = 'sent' | 'retried' | 'dead' | 'released';
  // Each delivery is a span in the trace that enqueued the message (a child of the span active
  // then), with the send and the outcome's write under it.
  const deliver = (row: Claimed): Promise<Outcome> =>
    runWithTraceContext(row.trace, () => {
      const watch = o.observability?.span('email outbox deliver', {
        attributes: { 'keel.email.outbox.id': row.id, 'keel.email.outbox.attempt': row.attempts },
      });
      if (!watch) return attempt(row);
      return watch
        .within(() => attempt(row))
        .then(
          (outcome) => {
            watch.set('keel.email.outbox.outcome', outcome);
            watch.end(outcome === 'sent' ? undefined : { code: outcome.toUpperCase() });
            return outcome;
          },
          (thrown: unknown) => {
            watch.end(thrown);
            throw thrown;
          },
        );
    });
  const attempt = async (row: Claimed): Promise<Outcome> => {
    let message: EmailMessage;
    try {
      message = { ...decodeMessage(row.message), idempotencyKey: row.idempotencyKey };
    } catch (thrown) {
      return record('dead', s.dead, [
        'INTERNAL',
        `the stored message cannot be read: ${(thrown as Error).message}`,
        row.id,
        o.dispatcherId,
      ]);
    }
    let sent: Awaited<ReturnType<Email['send']>>;
    try {
      sent = await email.send(message);
    } catch (thrown) {
      // Only an Email built outside Keel's guard can throw; treat it as a failed try.
      sent = err(
        new EmailError({
          code: 'INTERNAL',
          message: `send threw: ${(thrown as Error)?.message ?? String(thrown)}`,
          adapter: email.adapter,
          op: 'send',
          cause: thrown,
        }),
      );
    }
    const now = clock.now();
    if (sent.isOk()) return record('sent', s.sent, [now, sent.value.provider, sent.value.messageId, row.id]);
    const e = sent.error;
    if (e.code === 'NOT_OPEN') return record('released', s.release, [row.id, o.dispatcherId]);
    const reason = e.message.slice(0, 2000);
    if (PERMANENT.has(e.code) || row.attempts >= o.maxAttempts)
      return record('dead', s.dead, [e.code, reason, row.id, o.dispatcherId]);
    const availableAt = now + Math.max(backoff(row.attempts), e.retryAfterMs ?? 0);
    return record('retried', s.retry, [availableAt, e.code, reason, row.id, o.dispatcherId]);
  };
  const record = async (outcome: Outcome, statement: string, params: SqlValue[]): Promise<Outcome> => {
    const done = await sql.execute(statement, params);
    // The lease expires and another pass tries again: at least once, never lost.
    if (done.isErr()) o.onError(done.error);
    return outcome;
  };

  const dispatchOnce = (): ResultAsync<DispatchReport, SqlError> =>
    claim(clock.now()).andThen(
      ({ claimed, buried }) =>
        new ResultAsync(
          (async () => {
            const counts = { sent: 0, retried: 0, dead: buried, released: 0 };
            let next = 0;
            const worker = async () => {
              while (next < claimed.length) counts[await deliver(claimed[next++] as Claimed)]++;
            };
            await Promise.all(Array.from({ length: Math.min(o.concurrency, claimed.length) }, worker));
            return ok({ claimed: claimed.length, ...counts });
          })(),
        ),
    );

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeUp = undefined;
        resolve();
      }
      wakeUp = done;
    });

  const run = async () => {
    while (!stopping) {
      const pass = await dispatchOnce();
      if (pass.isErr()) o.onError(pass.error);
      if (!stopping && (pass.isErr() || pass.value.claimed === 0)) await pause(o.pollIntervalMs);
    }
  };

  return Object.freeze({
    migrate: () => migrator.up().map(() => undefined),
    enqueue(tx: SqlTransaction | Sql, message: EmailMessage, enqueueOptions: { readonly availableAt?: number } = {}) {
      return validator.send(message).andThen(() => {
        const id = randomUUID();
        const idempotencyKey = message.idempotencyKey ?? `keel-outbox:${id}`;
        const now = clock.now();
        return tx
          .execute(s.insert, [
            id,
            idempotencyKey,
            encodeMessage(message, idempotencyKey),
            enqueueOptions.availableAt ?? now,
            now,
            traceText(captureTraceContext()),
          ])
          .map(() => ({ id, idempotencyKey }));
      });
    },
    dispatchOnce,
    start() {
      if (loop) return;
      stopping = false;
      loop = run();
    },
    wake: () => wakeUp?.(),
    async stop() {
      stopping = true;
      wakeUp?.();
      await loop;
      loop = undefined;
    },
    counts: () =>
      sql.query(s.counts).map(({ rows }) => {
        const counts = { pending: 0, sent: 0, dead: 0 };
        for (const [status, n] of rows as [keyof OutboxCounts, number][]) counts[status] = Number(n);
        return counts;
      }),
    deadLetters: (limit = 100) =>
      sql.query(s.deadLetters, [limit]).map(({ rows }) =>
        (rows as [string, string, number, string | null, string | null, number][]).map(
          ([id, idempotencyKey, attempts, errorCode, error, createdAt]) => ({
            id,
            idempotencyKey,
            attempts: Number(attempts),
            errorCode,
            error,
            createdAt: Number(createdAt),
          }),
        ),
      ),
    requeue: (id: string) => sql.execute(s.requeue, [clock.now(), id]).map((r) => r.rowsAffected === 1),
    purgeSent: (olderThanMs: number) => sql.execute(s.purge, [clock.now() - olderThanMs]).map((r) => r.rowsAffected),
  });
}

type Row = [string, string, string, number, string | null];

/** What the `trace_context` column holds: the carrier as JSON, or NULL (nothing traced, or too long to keep). */
function traceText(carrier: TraceCarrier): string | null {
  if (carrier.traceparent === undefined) return null;
  const text = JSON.stringify(carrier);
  return text.length <= 1000 ? text : JSON.stringify({ traceparent: carrier.traceparent });
}

/** The stored carrier; a malformed one is no trace (a lost trace never stops a delivery). */
function parseTrace(text: string | null): TraceCarrier | undefined {
  if (text === null) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' ? (parsed as TraceCarrier) : undefined;
  } catch {
    return undefined;
  }
}
