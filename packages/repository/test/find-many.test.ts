import { expectErr, expectOk } from '@keel/testing';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { type Repository, type Stored, createRepository } from '../src/index.js';
import { onDatabases } from './support/databases.js';
import { type Task, plainTasks, task, tasks } from './support/definitions.js';

type Tasks = Repository<Task, 'id', Task>;

/** Every page of a query, following `next`. */
async function allPages(repo: Tasks, query: Parameters<Tasks['findMany']>[0]): Promise<Stored<Task>[]> {
  const items: Stored<Task>[] = [];
  let after: string | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const page = expectOk(await repo.findMany({ ...query, ...(after ? { after } : {}) }));
    items.push(...page.items);
    if (!page.next) return items;
    after = page.next;
  }
  throw new Error('too many pages');
}

const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

onDatabases('findMany', (db) => {
  it('filters by equals, in, range and prefix, and combines them', async () => {
    const repo = createRepository(db().sql, plainTasks);
    const at = (day: number) => new Date(Date.UTC(2026, 0, day));
    for (let i = 1; i <= 12; i++)
      expectOk(
        await repo.create(
          task({
            id: `f${i}`,
            title: i % 3 === 0 ? `Alpha ${i}` : `beta ${i}`,
            points: i,
            done: i % 2 === 0,
            dueAt: at(i),
          }),
        ),
      );
    const ids = async (where: Parameters<Tasks['findMany']>[0]) =>
      expectOk(await repo.findMany({ ...where, orderBy: { field: 'points' } })).items.map((t) => t.points);
    expect(await ids({ where: { done: true } })).toEqual([2, 4, 6, 8, 10, 12]);
    expect(await ids({ where: { points: { in: [3, 5, 100] } } })).toEqual([3, 5]);
    expect(await ids({ where: { points: { in: [] } } })).toEqual([]);
    expect(await ids({ where: { points: { gt: 3, lte: 6 } } })).toEqual([4, 5, 6]);
    expect(await ids({ where: { dueAt: { gte: at(10) } } })).toEqual([10, 11, 12]);
    expect(await ids({ where: { title: { prefix: 'Alpha' } } })).toEqual([3, 6, 9, 12]);
    // Case-sensitive on both dialects (SQLite's LIKE would not be).
    expect(await ids({ where: { title: { prefix: 'alpha' } } })).toEqual([]);
    expect(await ids({ where: { title: { prefix: 'Alpha 1' }, done: true } })).toEqual([12]);
    expect(await ids({ where: { dueAt: null } })).toEqual([]);
  });

  it('takes prefix wildcards literally', async () => {
    const repo = createRepository(db().sql, plainTasks);
    for (const title of ['50%_off', '50%x', '50', 'a*b', 'a*c', 'ab', 'a[b]', 'a\\b'])
      expectOk(await repo.create(task({ title })));
    const titles = async (prefix: string) =>
      expectOk(await repo.findMany({ where: { title: { prefix } } }))
        .items.map((t) => t.title)
        .sort();
    expect(await titles('50%_')).toEqual(['50%_off']);
    expect(await titles('a*')).toEqual(['a*b', 'a*c']);
    expect(await titles('a[')).toEqual(['a[b]']);
    expect(await titles('a\\')).toEqual(['a\\b']);
  });

  it('pages through every entity once, in order, by any order', async () => {
    const repo = createRepository(db().sql, plainTasks);
    for (let i = 0; i < 23; i++) expectOk(await repo.create(task({ points: i % 4, title: `t${(i * 7) % 23}` })));
    const all = await allPages(repo, {
      limit: 5,
      orderBy: [{ field: 'points', direction: 'desc' }, { field: 'title' }],
    });
    expect(all).toHaveLength(23);
    const expected = [...all].sort((a, b) => b.points - a.points || byCodePoint(a.title, b.title));
    expect(all.map((t) => t.id)).toEqual(expected.map((t) => t.id));
    expect(new Set(all.map((t) => t.id)).size).toBe(23);
  });

  it('keeps pages in order and complete for random data, filters and orders (property)', async () => {
    const repo = createRepository(db().sql, plainTasks);
    const rows = fc.sample(
      fc.record({
        points: fc.integer({ min: 0, max: 5 }),
        title: fc.string({ minLength: 1, maxLength: 4 }),
        done: fc.boolean(),
      }),
      { numRuns: 40, seed: 7 },
    );
    const stored: Stored<Task>[] = [];
    for (const row of rows) stored.push(expectOk(await repo.create(task(row))));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('points', 'title', 'done', 'createdAt'),
        fc.constantFrom('asc', 'desc') as fc.Arbitrary<'asc' | 'desc'>,
        fc.integer({ min: 1, max: 7 }),
        fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
        async (field, direction, limit, minPoints) => {
          const where = minPoints === undefined ? {} : { points: { gte: minPoints } };
          const got = await allPages(repo, { where, orderBy: { field: field as 'points', direction }, limit });
          const sign = direction === 'asc' ? 1 : -1;
          const key = (t: Stored<Task>): unknown =>
            field === 'createdAt' ? t.createdAt.getTime() : t[field as keyof Task];
          const compare = (a: Stored<Task>, b: Stored<Task>) => {
            const [x, y] = [key(a), key(b)];
            const primary = typeof x === 'string' ? byCodePoint(x, y as string) : Number(x) - Number(y);
            return sign * primary || sign * byCodePoint(a.id, b.id);
          };
          const model = stored.filter((t) => minPoints === undefined || t.points >= minPoints).sort(compare);
          expect(got.map((t) => t.id)).toEqual(model.map((t) => t.id));
        },
      ),
      { numRuns: 25, seed: 11 },
    );
  });

  it('refuses an unknown field, a bad operator or value, and an order that cannot page', async () => {
    const repo = createRepository(db().sql, tasks);
    const unknown = expectErr(await repo.findMany({ where: { colour: 'red' } as never }), 'UNKNOWN_FIELD');
    expect(unknown.field).toBe('colour');
    expect(unknown.message).toContain('colour');
    expect(expectErr(await repo.findMany({ orderBy: { field: 'size' as never } }), 'UNKNOWN_FIELD').field).toBe('size');
    expect(expectErr(await repo.count({ where: { points: { near: 3 } } as never }), 'INVALID_QUERY').field).toBe(
      'points.near',
    );
    expect(expectErr(await repo.findMany({ where: { points: 'many' } as never }), 'INVALID_QUERY').field).toBe(
      'points',
    );
    expect(expectErr(await repo.findMany({ where: { points: { prefix: '1' } } }), 'INVALID_QUERY').field).toBe(
      'points.prefix',
    );
    expect(expectErr(await repo.findMany({ where: { tags: ['a'] } as never }), 'INVALID_QUERY').field).toBe('tags');
    expect(expectErr(await repo.findMany({ where: { title: null } }), 'INVALID_QUERY').field).toBe('title');
    expect(expectErr(await repo.findMany({ orderBy: { field: 'note' } }), 'INVALID_QUERY').field).toBe('note');
    expect(expectErr(await repo.findMany({ limit: 0 }), 'INVALID_QUERY').field).toBe('limit');
    expect(expectErr(await repo.findMany({ limit: 1001 }), 'INVALID_QUERY').field).toBe('limit');
  });

  it('refuses a cursor that was altered, malformed, or made for another query', async () => {
    const repo = createRepository(db().sql, plainTasks);
    for (let i = 0; i < 4; i++) expectOk(await repo.create(task({ points: i })));
    const query = { orderBy: { field: 'points' as const }, limit: 2 };
    const { next } = expectOk(await repo.findMany(query));
    expect(next).toBeDefined();
    const cursor = next as string;
    const [payload, seal] = cursor.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify([-1, 'a'])).toString('base64url');
    for (const bad of [`${forged}.${seal}`, `${payload}.${seal.slice(1)}`, 'garbage', '', `${payload}.${seal}.x`, 42]) {
      const refused = expectErr(await repo.findMany({ ...query, after: bad as unknown as string }), 'INVALID_CURSOR');
      expect(refused.field).toBe('after');
    }
    expectErr(await repo.findMany({ ...query, where: { done: false }, after: cursor }), 'INVALID_CURSOR');
    expectErr(await repo.findMany({ orderBy: { field: 'title' }, limit: 2, after: cursor }), 'INVALID_CURSOR');
    // The same query takes it, and so does another repository object on the same definition.
    expect(
      expectOk(await createRepository(db().sql, plainTasks).findMany({ ...query, after: cursor })).items,
    ).toHaveLength(2);
    // A cursor sealed with a secret does not open without it.
    const secret = createRepository(db().sql, plainTasks, { cursorSecret: 'a secret of sixteen+' });
    const sealed = expectOk(await secret.findMany(query)).next as string;
    expectOk(await secret.findMany({ ...query, after: sealed }));
    expectErr(await repo.findMany({ ...query, after: sealed }), 'INVALID_CURSOR');
  });
});
