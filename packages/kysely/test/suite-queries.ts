import { SqlError } from '@keel/core';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { KyselyHarness } from './kysely-harness.js';

/** `e` is Keel's own `SqlError` with this code (and constraint kind, when given). */
export function isSqlError(code: SqlError['code'], constraint?: SqlError['constraint']) {
  return (e: unknown) =>
    e instanceof SqlError && e.code === code && (constraint === undefined || e.constraint === constraint);
}

export function describeQueries(h: KyselyHarness): void {
  describe('queries', () => {
    it('inserts, selects, updates and deletes typed rows', async () => {
      const { db } = h;
      const ada = await db
        .insertInto('person')
        .values({ name: 'Ada', active: true })
        .returning(['id', 'name', 'active'])
        .executeTakeFirstOrThrow();
      expect(ada).toEqual({ id: 1, name: 'Ada', active: 1 });
      const inserted = await db.insertInto('person').values({ name: 'Grace', active: false }).executeTakeFirstOrThrow();
      expect(inserted.numInsertedOrUpdatedRows).toBe(1n);
      // The contract reports the insert id where the database has one (SQLite's rowid).
      if (h.sql.capabilities.dialect === 'sqlite') expect(inserted.insertId).toBe(2n);

      const active = await db.selectFrom('person').select('name').where('active', '=', 1).execute();
      expect(active).toEqual([{ name: 'Ada' }]);

      const updated = await db.updateTable('person').set({ active: true }).where('active', '=', 0).executeTakeFirst();
      expect(updated.numUpdatedRows).toBe(1n);
      const deleted = await db.deleteFrom('person').where('name', '=', 'Ada').executeTakeFirst();
      expect(deleted.numDeletedRows).toBe(1n);
      expect(await db.selectFrom('person').select(['name', 'active']).execute()).toEqual([
        { name: 'Grace', active: 1 },
      ]);
    });

    it('joins, aggregates and orders', async () => {
      const { db } = h;
      const owners = await db
        .insertInto('person')
        .values([{ name: 'Ada' }, { name: 'Grace' }, { name: 'Alan' }])
        .returning(['id', 'name'])
        .execute();
      const id = (name: string) => owners.find((o) => o.name === name)?.id as number;
      await db
        .insertInto('pet')
        .values([
          { owner_id: id('Ada'), name: 'Rex' },
          { owner_id: id('Ada'), name: 'Tom' },
          { owner_id: id('Grace'), name: 'Kit' },
        ])
        .execute();

      const pets = await db
        .selectFrom('pet')
        .innerJoin('person', 'person.id', 'pet.owner_id')
        .select(['person.name as owner', 'pet.name as pet'])
        .orderBy('pet.name')
        .execute();
      expect(pets).toEqual([
        { owner: 'Grace', pet: 'Kit' },
        { owner: 'Ada', pet: 'Rex' },
        { owner: 'Ada', pet: 'Tom' },
      ]);
      const counts = await db
        .selectFrom('person')
        .leftJoin('pet', 'pet.owner_id', 'person.id')
        .select((eb) => ['person.name', eb.fn.count<number>('pet.id').as('pets')])
        .groupBy('person.name')
        .orderBy('person.name')
        .execute();
      expect(counts.map((c) => [c.name, Number(c.pets)])).toEqual([
        ['Ada', 2],
        ['Alan', 0],
        ['Grace', 1],
      ]);
    });

    it('binds a Date as its ISO text and refuses a value the contract cannot bind', async () => {
      const { db } = h;
      const born = new Date(Date.UTC(1815, 11, 10));
      await db.insertInto('person').values({ name: 'Ada', born }).execute();
      expect(await db.selectFrom('person').select('born').executeTakeFirst()).toEqual({ born: born.toISOString() });
      const object = { year: 1815 } as unknown as string;
      const refused = db.insertInto('person').values({ name: 'Grace', born: object }).execute();
      await expect(refused).rejects.toSatisfy(isSqlError('INVALID_PARAMETER'));
      await expect(refused).rejects.toThrow(/parameter 2 is an object .*JSON\.stringify/);
    });

    it('raw SQL that returns rows is queried, and a raw write reports the rows it changed', async () => {
      const { db } = h;
      await db
        .insertInto('person')
        .values([{ name: 'Ada' }, { name: 'Grace' }])
        .execute();
      const rows = await sql<{ n: number }>`select count(*) as n from person where name <> ${'x'}`.execute(db);
      expect(rows.rows.map((r) => Number(r.n))).toEqual([2]);
      const changed = await sql`update person set active = ${0}`.execute(db);
      expect(changed.numAffectedRows).toBe(2n);
      const returned = await sql<{ name: string }>`
        -- a comment first
        delete from person where name = ${'Ada'} returning name`.execute(db);
      expect(returned.rows).toEqual([{ name: 'Ada' }]);
    });

    it('constraint violations are thrown as Keel SqlErrors with their kind', async () => {
      const { db } = h;
      await db.insertInto('person').values({ name: 'Ada' }).execute();
      await expect(db.insertInto('person').values({ name: 'Ada' }).execute()).rejects.toSatisfy(
        isSqlError('CONSTRAINT_VIOLATION', 'unique'),
      );
      await expect(db.insertInto('pet').values({ owner_id: 999, name: 'Rex' }).execute()).rejects.toSatisfy(
        isSqlError('CONSTRAINT_VIOLATION', 'foreign-key'),
      );
      const noName = { active: 1 } as unknown as { name: string };
      await expect(db.insertInto('person').values(noName).execute()).rejects.toSatisfy(
        isSqlError('CONSTRAINT_VIOLATION', 'not-null'),
      );
      await expect(
        db
          .selectFrom('nowhere' as 'person')
          .selectAll()
          .execute(),
      ).rejects.toSatisfy(isSqlError('QUERY'));
    });

    it('streams a select, read in full first and handed out in chunks', async () => {
      const { db } = h;
      await db
        .insertInto('person')
        .values(Array.from({ length: 5 }, (_, i) => ({ name: `p${i}` })))
        .execute();
      const names: string[] = [];
      for await (const row of db.selectFrom('person').select('name').orderBy('name').stream(2)) names.push(row.name);
      expect(names).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
    });

    it('runs many queries at once', async () => {
      const { db } = h;
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          db
            .insertInto('person')
            .values({ name: `p${i}` })
            .execute(),
        ),
      );
      const counts = await Promise.all(
        Array.from({ length: 10 }, () =>
          db
            .selectFrom('person')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow(),
        ),
      );
      expect(counts.map((c) => Number(c.n))).toEqual(Array(10).fill(20));
    });

    it('destroying the Kysely instance leaves keel.sql open', async () => {
      await h.db.destroy();
      expect((await h.sql.query('SELECT 1 AS one')).isOk()).toBe(true);
    });
  });
}
