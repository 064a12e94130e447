// Who owns which consumers. A stream records its consumers in kv before it creates them and
// renews the record while it runs; a process that dies (SIGKILL, a lost machine) stops renewing,
// and any process's sweep deletes the consumers of a record not renewed for `leaseMs`. Without
// it those consumers would stay on Redis or NATS, holding every later message of their subject.
import type { Kv, Messaging } from '@keel/core';

/** A stream's record: its subjects (the consumer's name is in the key) and when it was last renewed. */
interface Lease {
  readonly subjects: readonly string[];
  readonly renewedAt: number;
}

/** The kv key of a consumer's record. */
export function leaseKey(kvPrefix: string, consumer: string): string {
  return `${kvPrefix}${consumer}`;
}

/** Writes (or renews) a stream's record; `false` when kv failed. */
export async function renewLease(kv: Kv, key: string, subjects: readonly string[], now: number): Promise<boolean> {
  const lease: Lease = { subjects, renewedAt: now };
  return (await kv.set(key, JSON.stringify(lease))).isOk();
}

/** What a sweep did. */
export interface SweepReport {
  /** Streams whose consumers were deleted (their record was older than `leaseMs`). */
  readonly swept: number;
  /** Records kept for the next sweep because deleting a consumer failed. */
  readonly failed: number;
}

/**
 * Deletes the consumers of every record under `kvPrefix` not renewed within `leaseMs`, then the
 * record. A record that cannot be read (not ours, damaged) is deleted with nothing else.
 */
export async function sweepLeases(
  kv: Kv,
  messaging: Messaging,
  kvPrefix: string,
  leaseMs: number,
  now: number,
): Promise<SweepReport> {
  let swept = 0;
  let failed = 0;
  let cursor: string | undefined;
  do {
    const page = await kv.scan({ prefix: kvPrefix, limit: 500, ...(cursor === undefined ? {} : { cursor }) });
    if (page.isErr()) return { swept, failed: failed + 1 };
    for (const { key, value } of page.value.entries) {
      const lease = parseLease(value);
      if (lease && now - lease.renewedAt <= leaseMs) continue;
      const consumer = key.slice(kvPrefix.length);
      const deleted = lease
        ? await Promise.all(lease.subjects.map((subject) => messaging.deleteConsumer(subject, consumer)))
        : [];
      if (deleted.some((r) => r.isErr())) {
        failed += 1;
        continue;
      }
      await kv.delete(key);
      if (lease) swept += 1;
    }
    cursor = page.value.cursor;
  } while (cursor !== undefined);
  return { swept, failed };
}

function parseLease(value: unknown): Lease | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const lease = JSON.parse(value) as Partial<Lease>;
    const ok =
      Array.isArray(lease.subjects) &&
      lease.subjects.every((s) => typeof s === 'string') &&
      typeof lease.renewedAt === 'number';
    return ok ? (lease as Lease) : undefined;
  } catch {
    return undefined;
  }
}
