import { createServer } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmailOutbox, createOutboxEmail, createSendgridEmail, createSmtpEmail } from '@keel/adapter-email';
import { createSqliteSql } from '@keel/adapter-sqlite';
import { ok } from '@keel/core';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { compare } from './harness.js';

const message = (n: number) => ({
  from: 'Shop <shop@example.com>',
  to: [`customer${n}@example.com`],
  subject: `Order ${n} confirmed`,
  text: `Thanks for order ${n}. It ships tomorrow.`,
  html: `<p>Thanks for order <b>${n}</b>. It ships tomorrow.</p>`,
});

/**
 * Email: messages/s through the transactional outbox to the dev provider (against the dev
 * provider alone), Keel's SMTP adapter against raw nodemailer on the same local SMTP server,
 * and Keel's SendGrid adapter against a raw `fetch` to the same local HTTP endpoint.
 */
export async function run(): Promise<void> {
  await outbox();
  await smtp();
  await http();
}

async function outbox(): Promise<void> {
  const folder = await mkdtemp(join(tmpdir(), 'keel-bench-email-'));
  const dev = createOutboxEmail({ keep: 0, idempotency: false });
  const memory = createSqliteSql({ filename: ':memory:' });
  const file = createSqliteSql({ filename: join(folder, 'outbox.sqlite') });
  const outboxes = [memory, file].map((sql) => createEmailOutbox({ sql, email: dev, batchSize: 100, concurrency: 8 }));
  for (const o of outboxes) (await o.migrate())._unsafeUnwrap();
  let n = 0;
  const batch = 100;
  const throughOutbox = (o: (typeof outboxes)[number], sql: typeof memory) => async () => {
    (
      await sql.transaction(async (tx) => {
        for (let i = 0; i < batch; i++) {
          const queued = await o.enqueue(tx, message(n++));
          if (queued.isErr()) return queued;
        }
        return ok(undefined);
      })
    )._unsafeUnwrap();
    while ((await o.dispatchOnce())._unsafeUnwrap().claimed > 0);
  };
  await compare('email: messages/s to the dev provider (MIME built, kept nowhere)', [
    { name: 'dev provider send, direct', fn: async () => (await dev.send(message(n++)))._unsafeUnwrap() },
    {
      name: 'outbox: enqueue ×100 in one tx + dispatch (sqlite :memory:)',
      fn: throughOutbox(outboxes[0]!, memory),
      opsPerCall: batch,
    },
    {
      name: 'outbox: enqueue ×100 in one tx + dispatch (sqlite WAL file)',
      fn: throughOutbox(outboxes[1]!, file),
      opsPerCall: batch,
    },
  ]);
  await Promise.all([dev.close(), memory.close(), file.close()]);
  await rm(folder, { recursive: true, force: true });
}

async function smtp(): Promise<void> {
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      stream.on('data', () => {});
      stream.on('end', () => callback());
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  const raw = nodemailer.createTransport({ host: '127.0.0.1', port, ignoreTLS: true, pool: true, maxConnections: 5 });
  const keel = createSmtpEmail({
    host: '127.0.0.1',
    port,
    security: 'none',
    pool: true,
    maxConnections: 5,
    idempotency: false,
  });
  let n = 0;
  const rawMessage = (i: number) => ({
    from: '"Shop" <shop@example.com>',
    to: `customer${i}@example.com`,
    subject: `Order ${i} confirmed`,
    text: `Thanks for order ${i}.`,
    html: `<p>Thanks for order <b>${i}</b>.</p>`,
  });
  const concurrent = 20;
  await compare(
    'email: SMTP send to a local smtp-server (pooled, 5 connections)',
    [
      { name: 'raw nodemailer sendMail, one at a time', fn: () => raw.sendMail(rawMessage(n++)) },
      { name: 'keel smtp send, one at a time', fn: async () => (await keel.send(message(n++)))._unsafeUnwrap() },
      {
        name: 'raw nodemailer sendMail, 20 at once',
        fn: () => Promise.all(Array.from({ length: concurrent }, () => raw.sendMail(rawMessage(n++)))),
        opsPerCall: concurrent,
      },
      {
        name: 'keel smtp send, 20 at once',
        fn: async () => {
          const results = await Promise.all(Array.from({ length: concurrent }, () => keel.send(message(n++))));
          for (const r of results) r._unsafeUnwrap();
        },
        opsPerCall: concurrent,
      },
    ],
    { rounds: 7, roundMs: 400 },
  );
  raw.close();
  await keel.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

async function http(): Promise<void> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(202, { 'x-message-id': 'bench' });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const keel = createSendgridEmail({ apiKey: 'SG.bench', baseUrl: url });
  let n = 0;
  const body = (i: number) =>
    JSON.stringify({
      personalizations: [{ to: [{ email: `customer${i}@example.com` }] }],
      from: { email: 'shop@example.com', name: 'Shop' },
      subject: `Order ${i} confirmed`,
      content: [{ type: 'text/plain', value: `Thanks for order ${i}.` }],
    });
  await compare('email: SendGrid-shaped POST to a local HTTP endpoint', [
    {
      name: 'raw fetch POST',
      fn: async () => {
        const response = await fetch(`${url}/v3/mail/send`, {
          method: 'POST',
          headers: { authorization: 'Bearer SG.bench', 'content-type': 'application/json' },
          body: body(n++),
        });
        await response.text();
      },
    },
    {
      name: 'keel sendgrid send (validation, retry, breaker, timeout)',
      fn: async () => (await keel.send(message(n++)))._unsafeUnwrap(),
    },
  ]);
  await keel.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
