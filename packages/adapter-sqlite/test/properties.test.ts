import { err, rowsToObjects, type Sql, type SqlError, type SqlValue } from '@keel/core';
import { expectErr, expectOk, sqlValueArbitrary } from '@keel/testing';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteSql } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'keel-sqlite-props-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** How Keel reads a value back: integers as numbers when exact, bytes by content. */
function readBack(value: SqlValue): unknown {
  if (typeof value === 'bigint')
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  if (value instanceof Uint8Array) return { bytes: [...value] };
  return value;
}
const normalise = (value: SqlValue | undefined) => (value instanceof Uint8Array ? { bytes: [...value] } : value);

const anyValue = fc.oneof(...Object.values(sqlValueArbitrary));
const row = fc.record({
  i: fc.option(sqlValueArbitrary.integer, { nil: null }),
  r: fc.option(sqlValueArbitrary.real, { nil: null }),
  t: fc.option(sqlValueArbitrary.text, { nil: null }),
  b: fc.option(sqlValueArbitrary.blob, { nil: null }),
  // A column without a type keeps each value's own type.
  any: anyValue,
});

describe('random rows of every type', () => {
  it('round-trip exactly through a file, positional and named, in and out of transactions', async () => {
    const sql = createSqliteSql({ filename: join(dir, 'rows.db') });
    expectOk(
      await sql.executeScript('CREATE TABLE vals (id INTEGER PRIMARY KEY, i INTEGER, r REAL, t TEXT, b BLOB, any)'),
    );
    let id = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 20 }), fc.boolean(), async (rows, named) => {
        const first = id + 1;
        const inserted = await sql.transaction(async (tx) => {
          for (const r of rows) {
            id++;
            const written = named
              ? await tx.execute('INSERT INTO vals VALUES (:id, :i, $r, @t, :b, :any)', { id: BigInt(id), ...r })
              : await tx.execute('INSERT INTO vals VALUES (?, ?, ?, ?, ?, ?)', [BigInt(id), r.i, r.r, r.t, r.b, r.any]);
            if (written.isErr()) return err(written.error);
          }
          return tx.query('SELECT count(*) FROM vals WHERE id >= ?', [BigInt(first)]).map((r) => r.rows[0]?.[0]);
        });
        expect(expectOk(inserted)).toBe(rows.length);
        const read = expectOk(
          await sql.query('SELECT i, r, t, b, any FROM vals WHERE id >= ? ORDER BY id', [BigInt(first)]),
        );
        expect(read.columns).toEqual(['i', 'r', 't', 'b', 'any']);
        expect(read.rows.map((values) => values.map(normalise))).toEqual(
          rows.map((r) => [r.i, r.r, r.t, r.b, r.any].map(readBack)),
        );
      }),
      { numRuns: 60 },
    );
    await sql.close();
  });
});

// ---- Model-based: the table against a Map, through random statements and transactions. ----

interface Item {
  name: string;
  qty: number;
  data: Uint8Array | null;
}
type Model = Map<number, Item>;
type Kind = 'unique' | 'primary-key' | 'check' | 'not-null';
interface Real {
  sql: Sql;
}

/** What SQLite must answer: Ok with rows affected, or a constraint violation of one of these kinds. */
type Expected = { ok: number } | { violates: Kind[] };

function insertOutcome(model: Model, id: number, item: Item): Expected {
  const kinds: Kind[] = [];
  if (item.qty < 0) kinds.push('check');
  if (model.has(id)) kinds.push('primary-key');
  if ([...model].some(([other, it]) => other !== id && it.name === item.name)) kinds.push('unique');
  return kinds.length ? { violates: kinds } : { ok: 1 };
}

function check(result: { isErr(): boolean }, expected: Expected): boolean {
  if ('ok' in expected) {
    const value = expectOk(result as never) as { rowsAffected: number };
    expect(value.rowsAffected).toBe(expected.ok);
    return true;
  }
  const error = expectErr(result as never, 'CONSTRAINT_VIOLATION') as SqlError;
  expect(expected.violates).toContain(error.constraint);
  return false;
}

const ids = fc.integer({ min: 1, max: 6 });
const names = fc.constantFrom('ada', 'bob', 'cy', 'dee', 'eve');
const qty = fc.integer({ min: -2, max: 50 });
const data = fc.option(fc.uint8Array({ maxLength: 12 }), { nil: null });

type Op =
  | { op: 'insert'; id: number; item: Item }
  | { op: 'rename'; id: number; name: string }
  | { op: 'adjust'; id: number; delta: number }
  | { op: 'delete'; id: number };
const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('insert' as const), id: ids, item: fc.record({ name: names, qty, data }) }),
  fc.record({ op: fc.constant('rename' as const), id: ids, name: names }),
  fc.record({ op: fc.constant('adjust' as const), id: ids, delta: fc.integer({ min: -30, max: 30 }) }),
  fc.record({ op: fc.constant('delete' as const), id: ids }),
);

/** Runs one op on the database (or a transaction) and the model; the model changes only on Ok. */
async function runOp(db: Pick<Sql, 'execute'>, model: Model, o: Op): Promise<void> {
  switch (o.op) {
    case 'insert': {
      const expected = insertOutcome(model, o.id, o.item);
      const result = await db.execute('INSERT INTO items (id, name, qty, data) VALUES (?, ?, ?, ?)', [
        o.id,
        o.item.name,
        o.item.qty,
        o.item.data,
      ]);
      if (check(result, expected)) model.set(o.id, { ...o.item });
      return;
    }
    case 'rename': {
      const current = model.get(o.id);
      const taken = [...model].some(([other, it]) => other !== o.id && it.name === o.name);
      const expected: Expected = !current ? { ok: 0 } : taken ? { violates: ['unique'] } : { ok: 1 };
      if (check(await db.execute('UPDATE items SET name = ? WHERE id = ?', [o.name, o.id]), expected) && current)
        current.name = o.name;
      return;
    }
    case 'adjust': {
      const current = model.get(o.id);
      const expected: Expected = !current ? { ok: 0 } : current.qty + o.delta < 0 ? { violates: ['check'] } : { ok: 1 };
      if (check(await db.execute('UPDATE items SET qty = qty + ? WHERE id = ?', [o.delta, o.id]), expected) && current)
        current.qty += o.delta;
      return;
    }
    case 'delete': {
      check(await db.execute('DELETE FROM items WHERE id = ?', [o.id]), { ok: model.has(o.id) ? 1 : 0 });
      model.delete(o.id);
    }
  }
}

class OpCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly o: Op) {}
  check = () => true;
  run = (model: Model, real: Real) => runOp(real.sql, model, this.o);
  toString = () => JSON.stringify(this.o);
}

class TransactionCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly ops: Op[],
    readonly commit: boolean,
  ) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const draft: Model = new Map([...model].map(([id, item]) => [id, { ...item }]));
    const tx = expectOk(await real.sql.begin());
    for (const o of this.ops) await runOp(tx, draft, o);
    expectOk(await (this.commit ? tx.commit() : tx.rollback()));
    if (this.commit) {
      model.clear();
      for (const [id, item] of draft) model.set(id, item);
    }
  }
  toString = () => `${this.commit ? 'commit' : 'rollback'}(${this.ops.map((o) => JSON.stringify(o)).join(', ')})`;
}

class ReadAllCommand implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const rows = rowsToObjects(expectOk(await real.sql.query('SELECT id, name, qty, data FROM items ORDER BY id')));
    const expected = [...model]
      .sort(([a], [b]) => a - b)
      .map(([id, it]) => ({ id, name: it.name, qty: it.qty, data: it.data }));
    expect(rows.map((r) => ({ ...r, data: normalise(r.data ?? null) }))).toEqual(
      expected.map((r) => ({ ...r, data: normalise(r.data) })),
    );
  }
  toString = () => 'readAll';
}

describe('model-based: a table against a Map', () => {
  it('agrees on every statement, constraint and transaction outcome', async () => {
    const commands = [
      opArbitrary.map((o) => new OpCommand(o)),
      fc
        .tuple(fc.array(opArbitrary, { minLength: 1, maxLength: 5 }), fc.boolean())
        .map(([ops, commit]) => new TransactionCommand(ops, commit)),
      fc.constant(new ReadAllCommand()),
    ];
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 40 }), async (cmds) => {
        const sql = createSqliteSql({ filename: ':memory:' });
        expectOk(
          await sql.executeScript(
            'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, qty INTEGER NOT NULL CHECK (qty >= 0), data BLOB)',
          ),
        );
        try {
          await fc.asyncModelRun(() => ({ model: new Map(), real: { sql } }), cmds);
        } finally {
          await sql.close();
        }
      }),
      { numRuns: 80 },
    );
  });
});
