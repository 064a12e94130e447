import { ClassicLevel } from 'classic-level';
import { expect } from 'vitest';

/**
 * Reads a closed store's folder directly and checks the expiry index against the values: every
 * stored value with an expiry has exactly one index entry with that time, and every index entry
 * belongs to such a value. Returns how many keys expire.
 */
export async function expectIndexMatchesValues(location: string): Promise<number> {
  const db = new ClassicLevel<Buffer, Buffer>(location, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  await db.open();
  try {
    const expiring: string[] = [];
    const indexed: string[] = [];
    for await (const [key, value] of db.iterator()) {
      if (key[0] === 0xff) indexed.push(`${key.readDoubleBE(1)}|${key.toString('utf8', 9)}`);
      else if (key[0] !== 0xfe && (value[1] as number) & 0x80)
        expiring.push(`${value.readDoubleBE(2)}|${key.toString('utf8')}`);
    }
    expect(indexed.sort()).toEqual(expiring.sort());
    return expiring.length;
  } finally {
    await db.close();
  }
}
