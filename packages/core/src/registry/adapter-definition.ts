import type * as v from 'valibot';
import type { InterfaceName, KeelInterfaces } from '../config/config-types.js';
import type { KeelToken } from '../container/tokens.js';
import type { KeelLogger } from '../observability/keel-logger.js';

/** An instance of another interface that an adapter is built on. */
export interface AdapterNeed {
  readonly interface: InterfaceName;
  /** The instance's name; the interface's default instance when left out. */
  readonly instance?: string;
  /** The option that named it (`sql`, `idempotency.kv`), for messages. */
  readonly option?: string;
  /** When true, a missing instance is `undefined` instead of a config error. */
  readonly optional?: boolean;
}

/** What a factory gets besides its options. */
export interface AdapterContext {
  readonly interface: InterfaceName;
  /** The instance name from config (`default`, `main`, …). */
  readonly name: string;
  /**
   * An instance this adapter declared in `needs` (the same interface and instance name; no name
   * for the default instance), already open: the container starts what an adapter needs before
   * it. Asking for one it did not declare throws (a programming mistake).
   */
  get<I extends InterfaceName>(iface: I, instance?: string): KeelInterfaces[I] | undefined;
  /** A service the app registered (`createKeel(config, { services })`) or a Keel token. */
  resolve<T>(token: KeelToken<T>): T;
  /** The app's logger, bound to this instance (`interface`, `instance`): an adapter logs here, never to the console. */
  readonly logger?: KeelLogger;
}

/** The options schema an adapter declares (valibot; any of its object schemas). */
export type OptionsSchema = v.GenericSchema<unknown, unknown>;

/**
 * An adapter the container can build by id: its options schema (the one declaration its type,
 * validation and README table come from), what it is built on, and how to make it.
 * Built-in and third-party adapters are registered alike, with `registerAdapter` or
 * `createKeel(config, { adapters })`.
 *
 * @example
 * export const redisKv = defineAdapter({
 *   interface: 'kv', id: 'redis', options: redisKvOptions,
 *   create: (options) => buildRedisKv(options),
 * });
 */
export interface AdapterDefinition<I extends InterfaceName = InterfaceName, S extends OptionsSchema = OptionsSchema> {
  readonly interface: I;
  readonly id: string;
  /** The package that provides it, named in messages. */
  readonly package?: string;
  readonly options: S;
  // Methods, not function properties: a registry holds definitions of every options type.
  /** The instances it is built on, read from its (checked) options. @default none */
  needs?(options: v.InferOutput<S>): readonly AdapterNeed[];
  create(options: v.InferOutput<S>, context: AdapterContext): KeelInterfaces[I] | Promise<KeelInterfaces[I]>;
}

/** Checks an adapter definition's shape and freezes it. */
export function defineAdapter<I extends InterfaceName, S extends OptionsSchema>(
  definition: AdapterDefinition<I, S>,
): AdapterDefinition<I, S> {
  const { interface: iface, id, options, create } = definition as Partial<AdapterDefinition>;
  if (typeof iface !== 'string' || typeof id !== 'string' || typeof create !== 'function') {
    throw new TypeError('defineAdapter: expected { interface, id, options, create }');
  }
  if (typeof options !== 'object' || options === null || !('~standard' in options)) {
    throw new TypeError(`defineAdapter(${iface} '${id}'): options must be a valibot schema`);
  }
  return Object.freeze({ ...definition });
}

/** A value that looks like an adapter definition (for adapters loaded through `module`). */
export function isAdapterDefinition(value: unknown): value is AdapterDefinition {
  const d = value as Partial<AdapterDefinition> | null;
  return typeof d?.create === 'function' && typeof d.id === 'string' && typeof d.interface === 'string';
}
