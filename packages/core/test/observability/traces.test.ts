import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { expectErr, expectOk } from '@keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectingLogger, parentOf, startApp, testSdk, useContextManager } from './support.js';

const sdk = testSdk();
beforeAll(useContextManager);
afterAll(() => sdk.shutdown());

const providers = { tracerProvider: sdk.tracerProvider };
const named = (name: string) => sdk.finished().filter((s) => s.name === name);
const one = (name: string): ReadableSpan => {
  const found = named(name);
  expect(
    found.map((s) => s.name),
    `one span named ${name}`,
  ).toEqual([name]);
  return found[0] as ReadableSpan;
};
const auth = {
  adapter: 'local',
  options: { email: false, argon2: { memoryCost: 64, timeCost: 1 } },
} as const;

describe('spans of contract calls', () => {
  it('gives every call through the guard a span with its interface, operation, adapter, instance and outcome', async () => {
    const keel = await startApp({ email: { adapter: 'outbox' }, auth }, providers);
    sdk.reset(); // what start-up did (auth's migrations) is not this test's
    expectOk(await keel.kv.set('greeting', 'hello'));
    expectOk(await keel.kv.get('greeting'));
    expectOk(await keel.sql.query('SELECT 1'));
    expectOk(await keel.email.send({ from: 'a@example.test', to: ['b@example.test'], subject: 'Hi', text: 'hello' }));
    expectOk(await keel.auth.register({ email: 'ada@example.test', password: 'plum orbit granite 42' }));
    await keel.close();

    expect(one('kv get').attributes).toEqual({
      'keel.interface': 'kv',
      'keel.operation': 'get',
      'keel.adapter': 'memory',
      'keel.instance': 'default',
      'keel.outcome': 'ok',
    });
    expect(one('kv get').kind).toBe(SpanKind.CLIENT);
    const query = sdk.finished().filter((s) => s.name === 'sql query' && parentOf(s) === undefined);
    expect(query[0]?.attributes).toMatchObject({ 'keel.interface': 'sql', 'keel.adapter': 'sqlite' });
    expect(one('email send').attributes).toMatchObject({ 'keel.adapter': 'outbox', 'keel.outcome': 'ok' });
    // Auth is built on the app's sql and kv: what it does there nests under its own span.
    const register = one('auth register');
    expect(register.attributes).toMatchObject({ 'keel.adapter': 'local', 'keel.outcome': 'ok' });
    const inside = sdk.finished().filter((s) => parentOf(s) === register.spanContext().spanId);
    expect(inside.length).toBeGreaterThan(0);
    expect(inside.every((s) => s.name.startsWith('sql ') || s.name.startsWith('kv '))).toBe(true);
    expect(new Set(inside.map((s) => s.spanContext().traceId))).toEqual(new Set([register.spanContext().traceId]));
  });

  it('marks a failed call with its error code and an error status, never the message', async () => {
    sdk.reset();
    const keel = await startApp({}, providers);
    expectErr(await keel.sql.query('SELECT * FROM no_such_table'), 'QUERY');
    await keel.kv.close();
    expectErr(await keel.kv.get('k'), 'NOT_OPEN');
    await keel.close();
    const failed = one('sql query');
    expect(failed.attributes).toMatchObject({
      'keel.outcome': 'error',
      'keel.error.code': 'QUERY',
      'error.type': 'QUERY',
    });
    expect(failed.status).toEqual({ code: SpanStatusCode.ERROR, message: 'QUERY' });
    expect(JSON.stringify(failed.attributes)).not.toContain('no_such_table');
    expect(one('kv get').attributes).toMatchObject({ 'keel.error.code': 'NOT_OPEN' });
  });

  it('names the instance of a named section', async () => {
    sdk.reset();
    const keel = await startApp(
      {
        sql: {
          main: { adapter: 'sqlite', options: { filename: ':memory:' } },
          analytics: { adapter: 'sqlite', options: { filename: ':memory:' } },
        },
      },
      providers,
    );
    expectOk(await keel.sql('analytics').query('SELECT 2'));
    await keel.close();
    expect(one('sql query').attributes['keel.instance']).toBe('analytics');
  });
});

describe('transactions', () => {
  it('is one span with begin, its statements, what its body calls and the commit as children', async () => {
    sdk.reset();
    const keel = await startApp({}, providers);
    expectOk(await keel.sql.execute('CREATE TABLE notes (body TEXT)'));
    sdk.reset();
    expectOk(
      await keel.sql.transaction((tx) =>
        tx
          .execute('INSERT INTO notes VALUES (?)', ['a'])
          .andThen(() => keel.kv.set('last', 'a'))
          .andThen(() => tx.query('SELECT count(*) FROM notes')),
      ),
    );
    await keel.close();
    const transaction = one('sql transaction');
    expect(transaction.attributes).toMatchObject({ 'keel.outcome': 'ok', 'keel.transaction.outcome': 'committed' });
    const id = transaction.spanContext().spanId;
    const children = sdk.finished().filter((s) => parentOf(s) === id);
    expect(children.map((s) => s.name).sort()).toEqual([
      'kv set',
      'sql begin',
      'sql commit',
      'sql execute',
      'sql query',
    ]);
    expect(parentOf(transaction)).toBeUndefined();
  });

  it('nests a savepoint under its transaction and ends a rolled-back one as rolled back', async () => {
    sdk.reset();
    const logged = collectingLogger();
    const keel = await startApp({}, { ...providers, logger: logged.logger });
    const tx = expectOk(await keel.sql.begin());
    const inner = expectOk(await tx.begin());
    expectOk(await inner.query('SELECT 1'));
    expectOk(await inner.commit());
    expectOk(await tx.rollback());
    await keel.close();
    const outer = one('sql transaction');
    const savepoint = one('sql savepoint');
    expect(parentOf(savepoint)).toBe(outer.spanContext().spanId);
    expect(parentOf(one('sql query'))).toBe(savepoint.spanContext().spanId);
    expect(outer.attributes['keel.transaction.outcome']).toBe('rolled back');
    expect(savepoint.attributes['keel.transaction.outcome']).toBe('committed');
    // Nothing touched a span after it ended (the SDK would have said so through diag).
    expect(logged.lines.filter((l) => l.fields.source === 'opentelemetry')).toEqual([]);
  });

  it('does the same on the synchronous surface', async () => {
    sdk.reset();
    const keel = await startApp({}, providers);
    const sync = keel.sql.sync;
    if (!sync) throw new Error('sqlite has sql.sync');
    const tx = sync.begin()._unsafeUnwrap();
    tx.query('SELECT 1')._unsafeUnwrap();
    tx.commit()._unsafeUnwrap();
    await keel.close();
    expect(parentOf(one('sql query'))).toBe(one('sql transaction').spanContext().spanId);
  });

  it('ends a transaction whose body fails as rolled back, with the failure on the statement', async () => {
    sdk.reset();
    const keel = await startApp({}, providers);
    expectErr(await keel.sql.transaction((tx) => tx.query('SELECT nope FROM nowhere')), 'QUERY');
    await keel.close();
    expect(one('sql transaction').attributes['keel.transaction.outcome']).toBe('rolled back');
    expect(one('sql query').attributes['keel.error.code']).toBe('QUERY');
  });
});

describe('what spans never carry', () => {
  const secret = 'hunter2-correct-horse';

  it('records no parameter and no statement text by default', async () => {
    sdk.reset();
    const keel = await startApp({}, providers);
    expectOk(await keel.sql.execute('CREATE TABLE users (email TEXT, password TEXT)'));
    expectOk(await keel.sql.execute('INSERT INTO users VALUES (?, ?)', ['ada@example.test', secret]));
    expectOk(await keel.kv.set(`session:${secret}`, secret));
    await keel.close();
    const all = JSON.stringify(sdk.finished().map((s) => [s.name, s.attributes, s.status, s.events]));
    expect(all).not.toContain(secret);
    expect(all).not.toContain('INSERT INTO users');
  });

  it('records the statement text when sqlStatementText is on, and still no parameter', async () => {
    sdk.reset();
    const keel = await startApp({ observability: { sqlStatementText: true } }, providers);
    expectOk(await keel.sql.execute('CREATE TABLE users (email TEXT, password TEXT)'));
    expectOk(await keel.sql.execute('INSERT INTO users VALUES (?, ?)', ['ada@example.test', secret]));
    await keel.close();
    const insert = sdk.finished().find((s) => String(s.attributes['db.query.text']).startsWith('INSERT'));
    expect(insert?.attributes['db.query.text']).toBe('INSERT INTO users VALUES (?, ?)');
    expect(JSON.stringify(sdk.finished().map((s) => s.attributes))).not.toContain(secret);
  });
});

describe('when observability is off', () => {
  it('records nothing, even with a tracer provider', async () => {
    sdk.reset();
    const keel = await startApp({ observability: { enabled: false } }, providers);
    expectOk(await keel.kv.set('k', 'v'));
    expectOk(await keel.sql.query('SELECT 1'));
    expect(keel.observability.enabled).toBe(false);
    expect(keel.observability.tracing).toBe(false);
    expect(keel.observability.slowest()).toEqual([]);
    await keel.close();
    expect(sdk.finished()).toEqual([]);
  });

  it('records no span with traces off, and metrics still flow', async () => {
    sdk.reset();
    const keel = await startApp(
      { observability: { traces: false } },
      { ...providers, meterProvider: sdk.meterProvider },
    );
    expectOk(await keel.kv.get('k'));
    await keel.close();
    expect(sdk.finished()).toEqual([]);
    const points = await sdk.points('keel.operation.duration');
    expect(points.some((p) => p.attributes['keel.operation'] === 'get')).toBe(true);
  });
});
