import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';

/** The sha256 of the bytes, lowercase hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A pinned hash as given (hex, or `sha256-<base64>` as in Subresource Integrity) in lowercase hex. */
export function normalizeSha256(pinned: string): string | undefined {
  const hex = pinned
    .trim()
    .toLowerCase()
    .replace(/^sha256:/, '');
  if (/^[0-9a-f]{64}$/.test(hex)) return hex;
  const sri = /^sha256-([A-Za-z0-9+/]{43}=)$/.exec(pinned.trim());
  if (sri) return Buffer.from(sri[1] as string, 'base64').toString('hex');
  return undefined;
}

/** An ed25519 public key: a `KeyObject`, PEM text, or the raw 32 bytes. */
export type PublicKeyInput = KeyObject | string | Uint8Array;

/**
 * Checks an ed25519 signature over the component bytes. Returns why it fails, or `undefined`
 * when it verifies. Never throws for bad input: a malformed key or signature is a failure.
 */
export function signatureProblem(
  bytes: Uint8Array,
  signature: Uint8Array | string,
  publicKey: PublicKeyInput,
): string | undefined {
  let key: KeyObject;
  try {
    key = toKeyObject(publicKey);
  } catch (error) {
    return `the public key cannot be read: ${(error as Error).message}`;
  }
  if (key.asymmetricKeyType !== 'ed25519')
    return `the public key is ${key.asymmetricKeyType ?? 'not asymmetric'}, not ed25519`;
  const sig =
    typeof signature === 'string'
      ? Buffer.from(signature.trim(), /^[0-9a-f]+$/i.test(signature.trim()) ? 'hex' : 'base64')
      : signature;
  if (sig.byteLength !== 64) return `an ed25519 signature is 64 bytes, got ${sig.byteLength}`;
  try {
    return verify(null, bytes, key, sig) ? undefined : 'the signature does not match the bytes and key';
  } catch (error) {
    return `the signature cannot be checked: ${(error as Error).message}`;
  }
}

// The DER prefix of an ed25519 SubjectPublicKeyInfo; the raw 32-byte key follows it.
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

function toKeyObject(input: PublicKeyInput): KeyObject {
  if (typeof input === 'string') return createPublicKey(input);
  if (input instanceof Uint8Array) {
    if (input.byteLength !== 32) throw new Error(`a raw ed25519 key is 32 bytes, got ${input.byteLength}`);
    return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, input]), format: 'der', type: 'spki' });
  }
  if (input.type === 'private') return createPublicKey(input);
  return input;
}
