import { parseOptions } from '@keel/core/adapter';
import * as v from 'valibot';
import { hash, parseOptions as readHash, verify } from '@node-rs/argon2';
import { argon2Options, type Argon2Params, type ResolvedArgon2Params } from './password-options.js';

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

/** OWASP's argon2id parameters: 19 MiB, 2 passes, 1 lane (about 8 ms per hash on the 2-core dev machine). */
export const defaultArgon2Params: ResolvedArgon2Params = Object.freeze(v.parse(argon2Options, {}));

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
  return argon2Hasher(parseOptions(argon2Options, params, 'createArgon2Hasher'));
}

/** The hasher for parameters already checked (the adapter's `argon2` option). */
export function argon2Hasher(params: ResolvedArgon2Params): PasswordHasher {
  const options = { ...params, algorithm: ARGON2ID };
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
        const used = readHash(hashed);
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
