import { ManualClock } from '@keel/testing';
import { ClassicLevel } from 'classic-level';
import { afterEach, describe, expect, it } from 'vitest';
import { ExpiryIndex } from '../src/expiry-index.js';
import { KeyLock } from '../src/key-lock.js';
import type { LevelDb } from '../src/level-db.js';
import { encodeRecord } from '../src/value-encoding.js';
import { expectIndexMatchesValues } from './disk-checks.js';
import { tempFolders } from './temp-folders.js';

/** The index and its sweep on their own, with writers simulated by holding their keys' locks. */
const temp = tempFolders('index');
let count = 0;
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0)) await step();
});

async function setup() {
  const location = temp.folder(`i${count++}`);
  const db: LevelDb = new ClassicLevel<string, Buffer>(location, { valueEncoding: 'buffer' });
  await db.open();
  const clock = new ManualClock(1_000_000);
  const locks = new KeyLock();
  // A long interval: these tests sweep by hand.
  const index = new ExpiryIndex({ db, locks, clock, sweepIntervalMs: 3_600_000, writeOptions: { sync: false } });
  await index.start();
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await index.stop();
    await db.close();
  };
  cleanup.push(close);
  /** Writes a value the way the adapter does: the record and its index entry in one batch. */
  const write = (key: string, expiresAt: number | undefined, from?: number) => {
    const batch = db.batch().put(key, encodeRecord('v', expiresAt));
    index.update(batch, key, from, expiresAt);
    return index.write(batch, expiresAt !== undefined);
  };
  return { location, db, clock, locks, index, write, close };
}

describe('ExpiryIndex', () => {
  it('sweeps due keys and their entries, and nothing else', async () => {
    const { db, clock, index, write, location, close } = await setup();
    await write('due', clock.now() + 10);
    await write('later', clock.now() + 1000);
    await write('never', undefined);
    clock.advance(10);
    await index.sweep();
    expect(db.getSync('due')).toBeUndefined();
    expect(db.getSync('later')).toBeDefined();
    expect(db.getSync('never')).toBeDefined();
    await close();
    expect(await expectIndexMatchesValues(location)).toBe(1);
  });

  it('sweeps more than one batch of due keys in one go', async () => {
    const { db, clock, index, write, location, close } = await setup();
    await Promise.all(Array.from({ length: 2500 }, (_, i) => write(`k${i}`, clock.now() + 1 + (i % 7))));
    clock.advance(100);
    await index.sweep();
    expect(await db.keys({ limit: 10 }).all()).toEqual([]);
    expect(index.empty).toBe(true);
    await close();
    expect(await expectIndexMatchesValues(location)).toBe(0);
  });

  it('leaves a key whose writer holds it for the next round', async () => {
    const { db, clock, locks, index, write } = await setup();
    await write('busy', clock.now() + 10);
    clock.advance(20);
    expect(locks.tryAcquire('busy')).toBe(true);
    await index.sweep();
    expect(db.getSync('busy')).toBeDefined();
    locks.release('busy');
    await index.sweep();
    expect(db.getSync('busy')).toBeUndefined();
  });

  it('removes a stale entry without touching the value, whose expiry differs', async () => {
    const { db, clock, index, location, close } = await setup();
    // An entry for time T while the value says T + 1000: the sweep at T must keep the value.
    const batch = db.batch().put('k', encodeRecord('v', clock.now() + 1000));
    index.update(batch, 'k', undefined, clock.now() + 5);
    await index.write(batch, true);
    clock.advance(10);
    await index.sweep();
    expect(db.getSync('k')).toBeDefined();
    await close();
    // The stale entry is gone; the value's own entry was never written, so the value has none.
    const raw = new ClassicLevel<Buffer, Buffer>(location, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    await raw.open();
    expect((await raw.keys({ gte: Buffer.from([0xff]) }).all()).length).toBe(0);
    await raw.close();
  });

  it('knows when it is empty, and is not fooled by a write in flight', async () => {
    const { clock, index, write } = await setup();
    expect(index.empty).toBe(true);
    const writing = write('k', clock.now() + 10);
    expect(index.empty).toBe(false);
    // A sweep that starts while the write is in flight must not call the index empty.
    const sweeping = index.sweep();
    await Promise.all([writing, sweeping]);
    expect(index.empty).toBe(false);
    clock.advance(10);
    await index.sweep();
    expect(index.empty).toBe(true);
  });
});
