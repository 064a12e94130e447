import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const OPAQUE_TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** 256 random bits, base64url (43 characters): every session, refresh, reset and verification token. */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/** 128 random bits, base64url: ids that are not secrets (session ids). */
export function randomId(): string {
  return randomBytes(16).toString('base64url');
}

/** Whether a string has the shape of `randomToken()`; anything else is refused before a lookup. */
export function isOpaqueToken(token: string): boolean {
  return OPAQUE_TOKEN.test(token);
}

/** How tokens are stored: SHA-256, base64url. A 256-bit random token needs no salt or slow hash. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** Constant-time string equality (the length is not secret: every compared value has a fixed length). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
