import { createHash } from 'node:crypto';

/**
 * Whether `key` falls in a canary's share: a stable hash of the component's name and the key,
 * in basis points, so the same key always reaches the same version while the split stands and
 * a larger share only adds keys to the canary.
 */
export function inCanary(name: string, key: string, percent: number): boolean {
  const digest = createHash('sha256').update(name).update('\0').update(key).digest();
  return digest.readUInt32BE(0) % 10_000 < Math.round(percent * 100);
}
