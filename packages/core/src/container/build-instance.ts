import type { InterfaceName, KeelInterfaces } from '../config/config-types.js';
import type { KeelLogger } from '../observability/keel-logger.js';
import { KeelOptionsError } from '../options/parse-options.js';
import type { AdapterContext } from '../registry/adapter-definition.js';
import type { ConfigIssues } from './config-issues.js';
import { interfaceInfo } from './interfaces.js';
import type { PlannedInstance } from './plan-instances.js';
import type { KeelToken } from './tokens.js';

/** A built instance, with what start-up and close need to know. */
export interface BuiltInstance {
  readonly planned: PlannedInstance;
  readonly value: Record<string, unknown> & {
    readonly adapter: string;
    readonly capabilities: Readonly<Record<string, unknown>>;
    open(): Promise<{ isErr(): boolean; error?: unknown }>;
    close(): Promise<void>;
    health(): Promise<object>;
  };
}

/**
 * Builds one planned instance: the instances it declared are open already and reachable
 * through `context.get`. A factory's throw, a value that is not an instance of the interface,
 * or a missing required capability becomes a config issue.
 */
export async function buildInstance(
  planned: PlannedInstance,
  built: ReadonlyMap<PlannedInstance, BuiltInstance>,
  resolve: <T>(token: KeelToken<T>) => T,
  issues: ConfigIssues,
  logger: KeelLogger,
): Promise<BuiltInstance | undefined> {
  const { spec, definition } = planned;
  const context: AdapterContext = {
    interface: spec.interface as InterfaceName,
    name: spec.name,
    get: <I extends InterfaceName>(iface: I, instance?: string) => {
      const link = planned.needs.find(({ need }) => need.interface === iface && need.instance === instance);
      if (!link) {
        throw new TypeError(
          `${spec.path}: adapter '${spec.adapter}' asked for ${iface}${instance ? ` '${instance}'` : ''} ` +
            'without declaring it in its needs',
        );
      }
      return link.target && (built.get(link.target)?.value as unknown as KeelInterfaces[I] | undefined);
    },
    resolve,
    logger: logger.child({ interface: spec.interface, instance: spec.name }),
  };
  let value: BuiltInstance['value'];
  try {
    value = (await definition.create(planned.options as never, context)) as unknown as BuiltInstance['value'];
  } catch (error) {
    if (error instanceof KeelOptionsError) {
      for (const i of error.issues) issues.add(`${spec.path}.options.${i.path}`, i.problem);
    } else issues.add(`${spec.path}.options`, (error as Error)?.message ?? String(error));
    return undefined;
  }
  const info = interfaceInfo[spec.interface as InterfaceName];
  const missing = info.operations.filter((op) => typeof value?.[op] !== 'function');
  if (missing.length > 0 || typeof value?.open !== 'function') {
    issues.add(
      spec.path,
      `adapter '${spec.adapter}' did not return a ${spec.interface} instance (missing: ${missing.join(', ') || 'open'})`,
    );
    return undefined;
  }
  const lacking = spec.requires.filter((capability) => value.capabilities?.[capability] !== true);
  if (lacking.length > 0) {
    const has = Object.entries(value.capabilities ?? {})
      .filter(([, v]) => v === true)
      .map(([k]) => k);
    issues.add(
      `${spec.path}.requires`,
      `adapter '${spec.adapter}' lacks ${lacking.map((c) => `'${c}'`).join(', ')} (it has: ${has.join(', ') || 'none'})`,
    );
    await value.close();
    return undefined;
  }
  return { planned, value };
}
