import {
  type Kv,
  type KeelToken,
  type ServiceDefinition,
  createToken,
  defineService,
  instanceToken,
  keelTokens,
  tokens,
} from '@keel/core';
import { KeelOptionsError, parseOptions, text, withMethods } from '@keel/core/adapter';
import * as v from 'valibot';
import { type CacheOptions, cacheOptions } from './cache-options.js';
import { type Cache, createCache } from './create-cache.js';

/** Where `cacheService()` puts the cache: `keel.resolve(cacheToken)`. */
export const cacheToken: KeelToken<Cache> = createToken<Cache>('keel:cache');

/** Options of `cacheService`: those of `createCache`, and which kv. */
export type CacheServiceOptions = CacheOptions & {
  /** A kv instance's name in the config, or a `Kv` itself. @default the default kv instance */
  readonly kv?: string | Kv;
};

const kvOption = v.optional(v.union([text(), withMethods<Kv>('a Kv', ['get', 'getMany', 'compareAndSwap'])]));

/**
 * The cache as a service of `createKeel`: built after the kv instance it names (or the default
 * one). Options are those of `createCache`, plus `kv`; it logs to the app's logger unless given one.
 *
 * @example
 * const keel = (await createKeel(config, { adapters, services: [cacheService({ kv: 'cache', ttlMs: 60_000 })] }))._unsafeUnwrap();
 * const cache = keel.resolve(cacheToken);
 */
export function cacheService(
  options: CacheServiceOptions = {},
  token: KeelToken<Cache> = cacheToken,
): ServiceDefinition<Cache> {
  const { kv, ...rest } = options;
  if (!v.is(kvOption, kv)) {
    throw new KeelOptionsError('cacheService', [{ path: 'kv', problem: 'expected a Kv or the name of a kv instance' }]);
  }
  // Checked now, so that a mistake fails where the service is declared, not at start-up.
  parseOptions(cacheOptions, rest, 'cacheService');
  const logger = keelTokens.logger;
  // Without a logger of its own, the cache logs to the app's.
  const observability = keelTokens.observability;
  const withLogger = (resolve: <T>(token: KeelToken<T>) => T) => ({
    ...rest,
    logger: rest.logger ?? resolve(logger),
    observability: rest.observability ?? resolve(observability),
  });
  if (kv !== undefined && typeof kv !== 'string') {
    return defineService({
      token,
      needs: [logger, observability],
      create: (resolve) => createCache(kv, withLogger(resolve)),
    });
  }
  const kvToken = kv === undefined || kv === 'default' ? tokens.kv : instanceToken('kv', kv);
  return defineService({
    token,
    needs: [kvToken, logger, observability],
    create: (resolve) => createCache(resolve(kvToken), withLogger(resolve)),
  });
}
