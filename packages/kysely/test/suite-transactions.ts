import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { KyselyHarness } from './kysely-harness.js';
import { isSqlError } from './suite-queries.js';

export function describeTransactions(h: KyselyHarness): void {
  const names = async () => (await h.db.selectFrom('person').select('name').orderBy('id').execute()).map((p) => p.name);

  describe('transactions', () => {
    it('commits when the body resolves', async () => {
      const id = await h.db.transaction().execute(async (trx) => {
        const ada = await trx.insertInto('person').values({ name: 'Ada' }).returning('id').executeTakeFirstOrThrow();
        await trx.insertInto('pet').values({ owner_id: ada.id, name: 'Rex' }).execute();
        return ada.id;
      });
      expect(await names()).toEqual(['Ada']);
      expect(await h.db.selectFrom('pet').select('owner_id').execute()).toEqual([{ owner_id: id }]);
    });

    it("rolls back when the body throws, and rethrows Keel's SqlError itself", async () => {
      await h.db.insertInto('person').values({ name: 'Ada' }).execute();
      const failed = h.db.transaction().execute(async (trx) => {
        await trx.insertInto('person').values({ name: 'Grace' }).execute();
        await trx.insertInto('person').values({ name: 'Ada' }).execute();
      });
      await expect(failed).rejects.toSatisfy(isSqlError('CONSTRAINT_VIOLATION', 'unique'));
      expect(await names()).toEqual(['Ada']);
    });

    it('a controlled transaction maps savepoints onto nested Keel transactions', async () => {
      const trx = await h.db.startTransaction().execute();
      await trx.insertInto('person').values({ name: 'a' }).execute();
      const s1 = await trx.savepoint('s1').execute();
      await s1.insertInto('person').values({ name: 'b' }).execute();
      // ROLLBACK TO keeps the savepoint: it can be rolled back to again, then released.
      const back = await s1.rollbackToSavepoint('s1').execute();
      await back.insertInto('person').values({ name: 'c' }).execute();
      const again = await back.rollbackToSavepoint('s1').execute();
      await again.insertInto('person').values({ name: 'd' }).execute();
      const released = await again.releaseSavepoint('s1').execute();
      await released.insertInto('person').values({ name: 'e' }).execute();
      await released.commit().execute();
      expect(await names()).toEqual(['a', 'd', 'e']);
    });

    it('releasing or rolling back to an outer savepoint ends the ones inside it', async () => {
      const trx = await h.db.startTransaction().execute();
      const outer = await trx.savepoint('outer').execute();
      await outer.insertInto('person').values({ name: 'a' }).execute();
      const inner = await outer.savepoint('inner').execute();
      await inner.insertInto('person').values({ name: 'b' }).execute();
      const released = await inner.releaseSavepoint('outer').execute();

      const second = await released.savepoint('outer').execute();
      const deeper = await second.savepoint('inner').execute();
      await deeper.insertInto('person').values({ name: 'c' }).execute();
      const rolledBack = await deeper.rollbackToSavepoint('outer').execute();
      await rolledBack.insertInto('person').values({ name: 'd' }).execute();
      await rolledBack.commit().execute();
      expect(await names()).toEqual(['a', 'b', 'd']);
    });

    it('rolling back a controlled transaction drops its savepoints too', async () => {
      const trx = await h.db.startTransaction().execute();
      await trx.insertInto('person').values({ name: 'a' }).execute();
      const s1 = await trx.savepoint('s1').execute();
      await s1.insertInto('person').values({ name: 'b' }).execute();
      await s1.rollback().execute();
      expect(await names()).toEqual([]);
    });

    it('a failed statement inside a savepoint can be rolled back and the transaction goes on', async () => {
      const trx = await h.db.startTransaction().execute();
      await trx.insertInto('person').values({ name: 'Ada' }).execute();
      const s1 = await trx.savepoint('s1').execute();
      await expect(s1.insertInto('person').values({ name: 'Ada' }).execute()).rejects.toSatisfy(
        isSqlError('CONSTRAINT_VIOLATION', 'unique'),
      );
      const back = await s1.rollbackToSavepoint('s1').execute();
      await back.insertInto('person').values({ name: 'Grace' }).execute();
      await back.commit().execute();
      expect(await names()).toEqual(['Ada', 'Grace']);
    });

    it('work outside an open transaction never sees its uncommitted rows', async () => {
      const trx = await h.db.startTransaction().execute();
      await trx.insertInto('person').values({ name: 'Ada' }).execute();
      expect(await trx.selectFrom('person').select('name').execute()).toEqual([{ name: 'Ada' }]);
      // Sent while the transaction is open: SQLite runs it after the transaction ends (Keel
      // queues the one connection), PostgreSQL at once on another connection. Either way it
      // cannot see a row that is then rolled back.
      const outside = h.db.selectFrom('person').select('name').execute();
      await trx.rollback().execute();
      expect(await outside).toEqual([]);
    });

    it('transactions started at once all commit', async () => {
      await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          h.db.transaction().execute(async (trx) => {
            await trx
              .insertInto('person')
              .values({ name: `p${i}` })
              .execute();
            await trx
              .insertInto('person')
              .values({ name: `q${i}` })
              .execute();
          }),
        ),
      );
      expect((await names()).sort()).toEqual(
        Array.from({ length: 8 }, (_, i) => [`p${i}`, `q${i}`])
          .flat()
          .sort(),
      );
    });

    it("applies the database's own isolation settings and refuses others clearly", async () => {
      if (h.sql.capabilities.dialect === 'sqlite') {
        // SQLite's transactions are always serializable: asking for that is fine, anything else is refused.
        await h.db
          .transaction()
          .setIsolationLevel('serializable')
          .execute(async (trx) => {
            await trx.insertInto('person').values({ name: 'Ada' }).execute();
          });
        const refused = h.db
          .transaction()
          .setIsolationLevel('read committed')
          .execute(async () => {});
        await expect(refused).rejects.toSatisfy(isSqlError('TRANSACTION'));
        await expect(refused).rejects.toThrow(/always serializable/);
        const readOnly = h.db.startTransaction().setAccessMode('read only').execute();
        await expect(readOnly).rejects.toThrow(/always read write/);
        expect(await names()).toEqual(['Ada']);
      } else {
        const level = await h.db
          .transaction()
          .setIsolationLevel('serializable')
          .setAccessMode('read only')
          .execute(
            async (trx) =>
              (await sql<{ l: string }>`select current_setting('transaction_isolation') as l`.execute(trx)).rows[0]?.l,
          );
        expect(level).toBe('serializable');
      }
    });
  });
}
