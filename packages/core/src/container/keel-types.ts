import type { InterfaceName, KeelConfig, KeelInterfaces } from '../config/config-types.js';
import type { HealthReport } from '../lifecycle/health.js';
import type { KeelLogger } from '../observability/keel-logger.js';
import type { KeelObservability } from '../observability/keel-observability.js';
import type { KeelToken } from './tokens.js';

/** The instance names a config declares for an interface (`default` for the single form). */
export type InstanceNames<C extends KeelConfig, I extends InterfaceName> = C[I] extends { readonly adapter: string }
  ? 'default'
  : C[I] extends Readonly<Record<string, unknown>>
    ? keyof C[I] & string
    : never;

/**
 * The default instance of an interface, callable with a name for the others:
 * `keel.sql.query(…)` uses the default database, `keel.sql('analytics').query(…)` another.
 */
export type InstanceAccessor<T, N extends string> = T & ((name: N) => T);

/** How an app registers its own services, built from Keel's. */
export type Provider<T, C extends KeelConfig> =
  | { readonly useValue: T }
  | { readonly useFactory: (keel: Keel<C>) => T };

/** A running set of adapters, built and opened by `createKeel`. */
export type Keel<C extends KeelConfig = KeelConfig> = {
  // A literal config shows only the interfaces it configures; a config read from a file
  // (typed as the wide `KeelConfig`) shows them all, and an unconfigured one throws on access.
  readonly [I in InterfaceName as KeelConfig extends C ? I : undefined extends C[I] ? never : I]: InstanceAccessor<
    KeelInterfaces[I],
    KeelConfig extends C ? string : InstanceNames<C, I>
  >;
} & {
  /** Every instance, in start-up order. */
  readonly instances: readonly { readonly interface: InterfaceName; readonly name: string; readonly adapter: string }[];
  /** Resolves a token: `tokens.kv`, `instanceToken('sql', 'analytics')`, or one of the app's own. */
  resolve<T>(token: KeelToken<T>): T;
  /** Registers an app service under a token; `useFactory` runs once, on first `resolve`. */
  register<T>(token: KeelToken<T>, provider: Provider<T, C>): void;
  /** Checks every instance with a cheap real operation. */
  health(): Promise<HealthReport[]>;
  /** The app's logger (`createKeel`'s `logger`), with trace and span ids inside a span. */
  readonly logger: KeelLogger;
  /** Spans, metrics, slow calls and the Prometheus text of this app; the kit packages observe their own calls with. */
  readonly observability: KeelObservability;
  /** Closes every instance in reverse start-up order. Idempotent. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
};
