import type { EmailAddress, EmailAddressInput } from './email-contract.js';

// A pragmatic address check: one @, no whitespace, controls or the characters that break
// headers, a dotted domain. Providers re-check; this catches typos and injection before them.
const ADDRESS =
  /^[^\s@<>()[\],;:"\\\u0000-\u001f\u007f]+@[^\s@<>()[\],;:"\\\u0000-\u001f\u007f]+\.[^\s@<>()[\],;:"\\\u0000-\u001f\u007f.]+$/u;
const NAMED = /^\s*(.*?)\s*<([^<>]*)>\s*$/su;

/** Why an address is not acceptable, or `undefined`. */
export function addressProblem(email: string): string | undefined {
  if (email.length > 254) return 'is longer than 254 characters';
  if (!ADDRESS.test(email)) return 'is not an email address';
  if ((email.split('@')[0] as string).length > 64) return 'has a local part longer than 64 characters';
  return undefined;
}

/** `'Ada <ada@x.io>'` → `{ email: 'ada@x.io', name: 'Ada' }`; objects are checked as they are. */
export function parseAddress(input: EmailAddressInput): EmailAddress | string {
  if (typeof input === 'string') {
    const named = NAMED.exec(input);
    if (!named) return { email: input.trim() };
    const name = (named[1] as string).replace(/^"(.*)"$/su, '$1');
    return name ? { email: (named[2] as string).trim(), name } : { email: (named[2] as string).trim() };
  }
  if (typeof input !== 'object' || input === null || typeof input.email !== 'string') {
    return 'must be an address string or { email, name? }';
  }
  if (input.name !== undefined && typeof input.name !== 'string') return 'name must be a string';
  return input.name === undefined || input.name === ''
    ? { email: input.email }
    : { email: input.email, name: input.name };
}
