import { hash, parseOptions, verify } from '@node-rs/argon2';

/**
 * How passwords are hashed. The default is argon2id (`createArgon2Hasher`); tests pass cheaper
 * parameters, and a wrapper can count calls.
 */
export interface PasswordHasher {
  /** A self-describing hash (PHC string: algorithm, parameters, salt and hash). */
  hash(password: string): Promise<string>;
  /** Compares in constant time; `false` for a malformed hash too. */
  verify(hashed: string, password: string): Promise<boolean>;
  /** Whether a stored hash was made with other parameters (or another algorithm) than the current ones. */
  needsRehash(hashed: string): boolean;
}

/** argon2id parameters. The defaults are OWASP's first recommendation for argon2id. */
export interface Argon2Params {
  /** Memory per hash, in KiB. @default 19456 (19 MiB) */
  readonly memoryCost?: number;
  /** Passes over the memory. @default 2 */
  readonly timeCost?: number;
  /** Lanes. @default 1 */
  readonly parallelism?: number;
}

/** OWASP's argon2id parameters: 19 MiB, 2 passes, 1 lane (about 8 ms per hash on the 2-core dev machine). */
export const defaultArgon2Params = Object.freeze({ memoryCost: 19456, timeCost: 2, parallelism: 1 });

// `Algorithm.Argon2id` is a const enum, which isolated modules cannot read.
const ARGON2ID = 2;

/**
 * argon2id through `@node-rs/argon2` (a prebuilt native module; hashing runs off the main
 * thread). Each hash has its own 16-byte random salt.
 *
 * @example
 * const hasher = createArgon2Hasher({ memoryCost: 65536, timeCost: 3 });
 * const stored = await hasher.hash('correct horse battery staple');
 */
export function createArgon2Hasher(params: Argon2Params = {}): PasswordHasher {
  const options = { ...defaultArgon2Params, ...params, algorithm: ARGON2ID };
  for (const field of ['memoryCost', 'timeCost', 'parallelism'] as const) {
    const value = options[field];
    if (!Number.isSafeInteger(value) || value < 1)
      throw new TypeError(`argon2: ${field} must be a positive integer, got ${String(value)}`);
  }
  if (options.memoryCost < 8 * options.parallelism)
    throw new TypeError('argon2: memoryCost must be at least 8 KiB per lane');
  return {
    hash: (password) => hash(password, options),
    async verify(hashed, password) {
      try {
        return await verify(hashed, password);
      } catch {
        return false;
      }
    },
    needsRehash(hashed) {
      try {
        const used = parseOptions(hashed);
        return (
          used.algorithm !== ARGON2ID ||
          used.memoryCost !== options.memoryCost ||
          used.timeCost !== options.timeCost ||
          used.parallelism !== options.parallelism
        );
      } catch {
        return true;
      }
    },
  };
}
