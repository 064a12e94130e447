import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Seals the adapter's scan cursors before a namespaced guest sees them (AES-256-GCM, a key per
 * host, the namespace as associated data). A cursor then reveals nothing of the namespace or the
 * keys around it, cannot be forged, and does not open in another namespace. It stays valid for
 * the life of the host.
 */
export class CursorSeal {
  private readonly key = randomBytes(32);

  seal(cursor: string, namespace: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(namespace, 'utf8'));
    const body = Buffer.concat([cipher.update(cursor, 'utf8'), cipher.final()]);
    return `s1.${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')}`;
  }

  /** The adapter's cursor, or `undefined` when the sealed one is not genuine for this namespace. */
  open(sealed: string, namespace: string): string | undefined {
    if (!sealed.startsWith('s1.')) return undefined;
    const raw = Buffer.from(sealed.slice(3), 'base64url');
    if (raw.byteLength < 12 + 16) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(namespace, 'utf8'));
      decipher.setAuthTag(raw.subarray(raw.byteLength - 16));
      return Buffer.concat([decipher.update(raw.subarray(12, raw.byteLength - 16)), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}
