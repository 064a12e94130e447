import 'reflect-metadata';
import { err, ok, type Result } from 'neverthrow';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import type { InterfaceName, KeelConfig } from '../config/config-types.js';
import { applyEnvOverrides, type Env } from '../config/env-overrides.js';
import { normalizeConfig } from '../config/normalize-config.js';
import { KeelConfigError, type KeelError } from '../errors/keel-error.js';
import type { HealthReport } from '../lifecycle/health.js';
import type { AdapterRegistry } from '../registry/adapter-registry.js';
import { defaultRegistry } from '../registry/default-registry.js';
import { buildInstance, type BuiltInstance } from './build-instances.js';
import { interfaceInfo, interfaceOrder } from './interfaces.js';
import type { Keel, Provider } from './keel-types.js';
import { KeelStartupError, type StartupFailure } from './startup-error.js';
import { instanceToken, tokens, type KeelToken } from './tokens.js';

export interface CreateKeelOptions {
  /** Environment overrides (`KEEL_KV_ADAPTER=memory`, …); `false` ignores the environment. @default process.env */
  readonly env?: Env | false;
  /** Where adapter ids are looked up. @default defaultRegistry */
  readonly registry?: AdapterRegistry;
}

/**
 * The composition root: validates the config, loads only the adapters it names, builds and
 * opens them in order (kv, sql, then interfaces built on them), and returns typed accessors.
 *
 * Bad config rejects with a `KeelConfigError` listing every problem with its path (a
 * programming mistake). An adapter that cannot open (a locked folder, an unreachable server)
 * resolves to `Err(KeelStartupError)`, and whatever had opened is closed again.
 *
 * @example
 * const keel = (await createKeel({ kv: { adapter: 'memory' } }))._unsafeUnwrap();
 * await keel.kv.set('hello', 'world');
 * await keel.close();
 */
export async function createKeel<const C extends KeelConfig>(
  config: C,
  options: CreateKeelOptions = {},
): Promise<Result<Keel<C>, KeelStartupError>> {
  const registry = options.registry ?? defaultRegistry;
  const env = options.env === false ? {} : (options.env ?? process.env);
  const capabilities = Object.fromEntries(interfaceOrder.map((i) => [i, interfaceInfo[i].capabilities]));
  const overridden = applyEnvOverrides(config as Record<string, unknown>, env, interfaceOrder);
  const { specs, issues } = normalizeConfig(overridden.config, { capabilities, adapters: (i) => registry.ids(i) });
  issues.unshift(...overridden.issues);
  if (issues.length > 0) throw new KeelConfigError(issues);

  const container = rootContainer.createChildContainer();
  const built: BuiltInstance[] = [];
  const ordered = interfaceOrder.flatMap((iface) => specs.filter((s) => s.interface === iface));
  for (const spec of ordered) {
    const instance = await buildInstance(spec, registry, container, issues);
    if (!instance) continue;
    built.push(instance);
    const open = await instance.value.open();
    if (open.isErr()) {
      await closeAll(built);
      const failure: StartupFailure = {
        interface: spec.interface,
        name: spec.name,
        adapter: spec.adapter,
        error: open.error as KeelError,
      };
      return err(new KeelStartupError([failure]));
    }
    register(container, spec.interface as InterfaceName, spec.name, instance, ordered);
  }
  if (issues.length > 0) {
    await closeAll(built);
    throw new KeelConfigError(issues);
  }
  return ok(assemble(container, built) as unknown as Keel<C>);
}

function register(
  container: DependencyContainer,
  iface: InterfaceName,
  name: string,
  instance: BuiltInstance,
  all: { interface: string; name: string }[],
) {
  container.register(instanceToken(iface, name), { useValue: instance.value });
  if (name === defaultName(iface, all)) container.register(tokens[iface], { useValue: instance.value });
}

/** The default instance is the one named `default`, else the first one configured. */
function defaultName(iface: string, all: readonly { interface: string; name: string }[]): string | undefined {
  const names = all.filter((s) => s.interface === iface).map((s) => s.name);
  return names.includes('default') ? 'default' : names[0];
}

function assemble(container: DependencyContainer, built: BuiltInstance[]): Keel {
  let closing: Promise<void> | undefined;
  const keel = {
    instances: built.map(({ spec }) => ({
      interface: spec.interface as InterfaceName,
      name: spec.name,
      adapter: spec.adapter,
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
      return Promise.all(
        built.map(
          async ({ spec, value }) =>
            ({ interface: spec.interface, name: spec.name, ...(await value.health()) }) as HealthReport,
        ),
      );
    },
    close: () => (closing ??= closeAll(built)),
    [Symbol.asyncDispose]: () => keel.close(),
  };
  for (const iface of interfaceOrder) {
    const specs = built.filter((b) => b.spec.interface === iface).map((b) => b.spec);
    if (specs.length === 0) {
      Object.defineProperty(keel, iface, {
        enumerable: false,
        get() {
          throw new TypeError(
            `keel.${iface}: no ${iface} instance is configured; add a '${iface}' section to the config`,
          );
        },
      });
      continue;
    }
    const fallback = container.resolve<object>(tokens[iface]);
    const accessor = (name: string) => {
      if (typeof name !== 'string' || !container.isRegistered(instanceToken(iface, name))) {
        throw new TypeError(
          `keel.${iface}('${String(name)}'): no such instance (configured: ${specs.map((s) => s.name).join(', ')})`,
        );
      }
      return container.resolve(instanceToken(iface, name));
    };
    // The accessor is callable for named instances and carries the default instance's members.
    Object.defineProperties(accessor, Object.getOwnPropertyDescriptors(fallback));
    Object.defineProperty(keel, iface, { value: accessor, enumerable: true });
  }
  return Object.freeze(keel) as unknown as Keel;
}

/** Closes in reverse start-up order; one failure does not stop the others. */
async function closeAll(built: readonly BuiltInstance[]): Promise<void> {
  for (const { value } of [...built].reverse()) {
    await value.close().catch(() => undefined);
  }
}
