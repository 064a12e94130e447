import type { DependencyContainer } from 'tsyringe';
import type { InterfaceName, KeelConfig } from '../config/config-types.js';
import type { HealthReport } from '../lifecycle/health.js';
import { noteClosed } from '../observability/health-handlers.js';
import type { Telemetry } from './start-telemetry.js';
import { interfaceOrder } from './interfaces.js';
import type { Keel, Provider } from './keel-types.js';
import { instanceToken, type KeelToken, tokens } from './tokens.js';

/** Something `createKeel` started and `close()` stops: an adapter instance or a service. */
export interface Started {
  /** Set for adapter instances. */
  readonly interface?: InterfaceName;
  readonly name: string;
  readonly adapter?: string;
  readonly value: unknown;
  readonly close?: () => unknown;
}

/** The `Keel` object over a started container: accessors per interface, resolve, health, close. */
export function assembleKeel(
  container: DependencyContainer,
  started: readonly Started[],
  stop: () => Promise<void>,
  telemetry: Telemetry,
): Keel {
  const instances = started.filter((s) => s.interface !== undefined);
  let closing: Promise<void> | undefined;
  const health = (): Promise<HealthReport[]> =>
    Promise.all(
      instances.map(
        async (s) =>
          ({
            interface: s.interface,
            name: s.name,
            ...(await (s.value as { health(): Promise<object> }).health()),
          }) as HealthReport,
      ),
    );
  telemetry.hub.healthSource = health;
  const keel = {
    instances: instances.map((s) => ({
      interface: s.interface as InterfaceName,
      name: s.name,
      adapter: s.adapter as string,
    })),
    resolve: <T>(token: KeelToken<T>): T => {
      if (!container.isRegistered(token, true))
        throw new TypeError(`keel.resolve: nothing is registered for ${String(token)}`);
      return container.resolve<T>(token);
    },
    register<T>(token: KeelToken<T>, provider: Provider<T, KeelConfig>) {
      if ('useValue' in provider) container.register(token, { useValue: provider.useValue });
      else {
        let made: { value: T } | undefined;
        container.register(token, {
          useFactory: () => (made ??= { value: provider.useFactory(keel as unknown as Keel) }).value,
        });
      }
    },
    async health(): Promise<HealthReport[]> {
      const reports = await health();
      // The gauges read the latest reports: a readiness probe keeps them fresh for free.
      telemetry.hub.health = { at: performance.now(), reports };
      return reports;
    },
    logger: telemetry.logger,
    observability: telemetry.observability,
    close: () => {
      noteClosed(keel);
      return (closing ??= stop());
    },
    [Symbol.asyncDispose]: () => keel.close(),
  };
  for (const iface of interfaceOrder) defineAccessor(keel, iface, container, instances);
  return Object.freeze(keel) as unknown as Keel;
}

/** `keel.kv`: the default instance's members, callable with a name for the others. */
function defineAccessor(
  keel: object,
  iface: InterfaceName,
  container: DependencyContainer,
  instances: readonly Started[],
) {
  const names = instances.filter((s) => s.interface === iface).map((s) => s.name);
  if (names.length === 0) {
    Object.defineProperty(keel, iface, {
      enumerable: false,
      get() {
        throw new TypeError(
          `keel.${iface}: no ${iface} instance is configured; add a '${iface}' section to the config`,
        );
      },
    });
    return;
  }
  const fallback = container.resolve<object>(tokens[iface]);
  const accessor = (name: string) => {
    if (typeof name !== 'string' || !container.isRegistered(instanceToken(iface, name))) {
      throw new TypeError(`keel.${iface}('${String(name)}'): no such instance (configured: ${names.join(', ')})`);
    }
    return container.resolve(instanceToken(iface, name));
  };
  Object.defineProperties(accessor, Object.getOwnPropertyDescriptors(fallback));
  Object.defineProperty(keel, iface, { value: accessor, enumerable: true });
}
