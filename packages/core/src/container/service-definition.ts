import type { KeelToken } from './tokens.js';

/**
 * A service of the app's or a platform package's, started by `createKeel` after what it needs
 * and closed before it: the container's other half, beside adapters.
 *
 * @example
 * const jobs = createToken<JobQueue>('jobs');
 * await createKeel(config, {
 *   services: [defineService({ token: jobs, needs: [tokens.sql], create: (resolve) => createQueue(resolve(tokens.sql)) })],
 * });
 */
export interface ServiceDefinition<T = unknown> {
  readonly token: KeelToken<T>;
  /** Tokens it is built on: `tokens.sql`, `instanceToken('kv', 'cache')` or another service's token. @default [] */
  readonly needs?: readonly KeelToken<unknown>[];
  /** Builds it; `resolve` reaches exactly the tokens in `needs`. */
  create(resolve: <U>(token: KeelToken<U>) => U): T | Promise<T>;
  /** Runs at `keel.close()`, before the adapters it needs close. */
  close?(value: T): void | Promise<void>;
}

/** Checks a service definition's shape. */
export function defineService<T>(definition: ServiceDefinition<T>): ServiceDefinition<T> {
  if (typeof definition?.token !== 'symbol' || typeof definition.create !== 'function') {
    throw new TypeError('defineService: expected { token, create, needs?, close? }');
  }
  return Object.freeze({ ...definition });
}
