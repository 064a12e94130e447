import 'reflect-metadata';
import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import { err, ok, type Result } from 'neverthrow';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import type { InterfaceName, KeelConfig } from '../config/config-types.js';
import { applyEnvOverrides, type Env } from '../config/env-overrides.js';
import { normalizeConfig } from '../config/normalize-config.js';
import { sectionEnvOverrides } from '../config/section-env.js';
import { KeelConfigError, type KeelError } from '../errors/keel-error.js';
import type { KeelLogger } from '../observability/keel-logger.js';
import { observabilityOptions, type ResolvedObservability } from '../observability/observability-options.js';
import { KeelOptionsError, parseOptions } from '../options/parse-options.js';
import type { AdapterDefinition } from '../registry/adapter-definition.js';
import type { AdapterRegistry } from '../registry/adapter-registry.js';
import { defaultRegistry } from '../registry/default-registry.js';
import { knownAdapters } from '../registry/known-adapters.js';
import { assembleKeel, type Started } from './assemble-keel.js';
import { type BuiltInstance, buildInstance } from './build-instance.js';
import { ConfigIssues } from './config-issues.js';
import { interfaceInfo, interfaceOrder } from './interfaces.js';
import type { Keel } from './keel-types.js';
import { type PlannedInstance, planInstances } from './plan-instances.js';
import type { ServiceDefinition } from './service-definition.js';
import { startServices } from './start-services.js';
import { keelTokens, startTelemetry } from './start-telemetry.js';
import { startOrder } from './start-order.js';
import { KeelStartupError } from './startup-error.js';
import { instanceToken, tokens } from './tokens.js';

export interface CreateKeelOptions {
  /** Adapters this app can choose by id, beside those given to `registerAdapter`. @default [] */
  readonly adapters?: readonly AdapterDefinition[];
  /** The app's and platform packages' services, started after what they need. @default [] */
  readonly services?: readonly ServiceDefinition<unknown>[];
  /** Environment overrides (`KEEL_KV_ADAPTER=memory`, …); `false` ignores the environment. @default process.env */
  readonly env?: Env | false;
  /** Where adapter ids are looked up before `adapters`. @default defaultRegistry */
  readonly registry?: AdapterRegistry;
  /**
   * Where Keel and the packages built on it log: any logger of pino's shape (pino itself). Lines
   * inside a span get its `trace_id` and `span_id`. @default silent, or JSON lines on stderr with
   * `observability.log: 'stderr'`
   */
  readonly logger?: KeelLogger;
  /** An OpenTelemetry tracer provider of the app's own, instead of the global one. @default the global provider */
  readonly tracerProvider?: TracerProvider;
  /** An OpenTelemetry meter provider of the app's own, instead of the global one. @default the global provider */
  readonly meterProvider?: MeterProvider;
}

/**
 * The composition root: validates the config, checks each adapter's options against its
 * schema, starts the instances in dependency order (auth after the sql and kv it is built on),
 * then the services, and returns typed accessors.
 *
 * Bad config throws a `KeelConfigError` listing every problem with its path (a programming
 * mistake). An adapter that cannot open (a locked folder, an unreachable server) resolves to
 * `Err(KeelStartupError)`, and whatever had opened is closed again.
 *
 * @example
 * import { memoryKvAdapter } from '@keel/adapter-kv-memory';
 * const keel = (await createKeel({ kv: { adapter: 'memory' } }, { adapters: [memoryKvAdapter] }))._unsafeUnwrap();
 * await keel.kv.set('hello', 'world');
 * await keel.close();
 */
export async function createKeel<const C extends KeelConfig>(
  config: C,
  options: CreateKeelOptions = {},
): Promise<Result<Keel<C>, KeelStartupError>> {
  const registry = (options.registry ?? defaultRegistry).with(options.adapters ?? []);
  const env = options.env === false ? {} : (options.env ?? process.env);
  const overridden = applyEnvOverrides(config as Record<string, unknown>, env, interfaceOrder);
  // Not an object: normalizeConfig says so; the observability section is then left at its defaults.
  const whole = overridden.config as unknown;
  const { observability: section, ...rest } = isObject(whole) ? whole : {};
  const interfaces = isObject(whole) ? rest : whole;
  const observed = sectionEnvOverrides('observability', observabilityOptions, section, env);
  const issues = new ConfigIssues(new Map([...overridden.sources, ...observed.sources]));
  issues.addAll(overridden.issues);
  issues.addAll(observed.issues);
  const observability = readObservability(observed.value, issues);
  const capabilities = Object.fromEntries(interfaceOrder.map((i) => [i, interfaceInfo[i].capabilities]));
  const adapters = (i: string) => [
    ...new Set([...registry.ids(i), ...Object.keys(knownAdapters[i as InterfaceName] ?? {})]),
  ];
  const normalized = normalizeConfig(interfaces, { capabilities, adapters });
  for (const line of normalized.issues) {
    const at = line.indexOf(': ');
    issues.add(line.slice(0, at), line.slice(at + 2));
  }
  const planned = await planInstances(normalized.specs, registry, issues);
  const { order, cycle } = startOrder(planned, (p) => p.needs.flatMap((n) => (n.target ? [n.target] : [])));
  if (cycle.length > 0) {
    issues.add(
      cycle[0]?.spec.path ?? '(config)',
      `instances need each other: ${cycle.map((p) => p.spec.path).join(' → ')}`,
    );
  }
  if (issues.size > 0) throw new KeelConfigError(issues.list);

  const telemetry = startTelemetry(observability as ResolvedObservability, options);
  const container = rootContainer.createChildContainer();
  container.register(keelTokens.logger, { useValue: telemetry.logger });
  container.register(keelTokens.observability, { useValue: telemetry.observability });
  const resolve = resolver(container);
  const built = new Map<PlannedInstance, BuiltInstance>();
  const started: Started[] = [];
  const stop = () => closeAll(started).finally(telemetry.stop);
  for (const p of order) {
    const instance = await buildInstance(p, built, resolve, issues, telemetry.logger);
    if (!instance) continue;
    built.set(p, instance);
    const { spec } = p;
    telemetry.observe(instance.value, spec);
    started.push({
      interface: spec.interface as InterfaceName,
      name: spec.name,
      adapter: spec.adapter,
      value: instance.value,
      close: () => instance.value.close(),
    });
    const open = await instance.value.open();
    if (open.isErr()) {
      await stop();
      const failure = {
        interface: spec.interface,
        name: spec.name,
        adapter: spec.adapter,
        error: open.error as KeelError,
      };
      return err(new KeelStartupError([failure]));
    }
    register(container, p, instance, planned);
  }
  if (issues.size > 0) {
    await stop();
    throw new KeelConfigError(issues.list);
  }
  try {
    started.push(...(await startServices(options.services ?? [], container, resolve)));
  } catch (error) {
    await stop();
    throw error;
  }
  return ok(assembleKeel(container, started, stop, telemetry) as unknown as Keel<C>);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The `observability` section with its defaults, or its problems added to `issues`. */
function readObservability(value: unknown, issues: ConfigIssues): ResolvedObservability | undefined {
  try {
    return parseOptions(observabilityOptions, value, 'observability');
  } catch (error) {
    if (!(error instanceof KeelOptionsError)) throw error;
    for (const i of error.issues)
      issues.add(i.path === '(options)' ? 'observability' : `observability.${i.path}`, i.problem);
    return undefined;
  }
}

/** Resolves a token from the container, with Keel's own message when nothing is registered. */
function resolver(container: DependencyContainer) {
  return <T>(token: symbol): T => {
    if (!container.isRegistered(token, true)) throw new TypeError(`nothing is registered for ${String(token)}`);
    return container.resolve<T>(token);
  };
}

function register(
  container: DependencyContainer,
  p: PlannedInstance,
  instance: BuiltInstance,
  all: readonly PlannedInstance[],
): void {
  const iface = p.spec.interface as InterfaceName;
  container.register(instanceToken(iface, p.spec.name), { useValue: instance.value });
  const names = all.filter((x) => x.spec.interface === iface).map((x) => x.spec.name);
  const defaultName = names.includes('default') ? 'default' : names[0];
  if (p.spec.name === defaultName) container.register(tokens[iface], { useValue: instance.value });
}

/** Closes in reverse start order; one failure does not stop the others. Idempotent. */
async function closeAll(started: Started[]): Promise<void> {
  for (const s of started.splice(0).reverse()) await Promise.resolve(s.close?.()).catch(() => undefined);
}
