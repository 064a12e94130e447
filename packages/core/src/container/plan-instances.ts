import type { InterfaceName } from '../config/config-types.js';
import type { InstanceSpec } from '../config/normalize-config.js';
import { KeelOptionsError, optionIssues } from '../options/parse-options.js';
import type { AdapterDefinition, AdapterNeed } from '../registry/adapter-definition.js';
import type { AdapterRegistry } from '../registry/adapter-registry.js';
import { knownAdapters } from '../registry/known-adapters.js';
import { loadModuleAdapter } from '../registry/load-module-adapter.js';
import type { ConfigIssues } from './config-issues.js';
import * as v from 'valibot';

/** An instance ready to build: its definition, checked options and the instances it needs. */
export interface PlannedInstance {
  readonly spec: InstanceSpec;
  readonly definition: AdapterDefinition;
  readonly options: unknown;
  /** The needs that were found, with the instance each one names. */
  needs: { readonly need: AdapterNeed; readonly target: PlannedInstance | undefined }[];
}

/**
 * Finds each instance's adapter, checks its options against the adapter's schema and links
 * the instances it needs, collecting every problem rather than stopping at the first.
 */
export async function planInstances(
  specs: readonly InstanceSpec[],
  registry: AdapterRegistry,
  issues: ConfigIssues,
): Promise<PlannedInstance[]> {
  const planned: PlannedInstance[] = [];
  for (const spec of specs) {
    const definition = await findDefinition(spec, registry, issues);
    if (!definition) continue;
    const parsed = v.safeParse(definition.options, spec.options ?? {}, { abortEarly: false });
    if (!parsed.success) {
      for (const i of optionIssues(definition.options, parsed.issues)) {
        issues.add(`${spec.path}.options${i.path === '(options)' ? '' : `.${i.path}`}`, i.problem);
      }
      continue;
    }
    planned.push({ spec, definition, options: parsed.output, needs: [] });
  }
  for (const p of planned) linkNeeds(p, planned, issues);
  return planned;
}

async function findDefinition(
  spec: InstanceSpec,
  registry: AdapterRegistry,
  issues: ConfigIssues,
): Promise<AdapterDefinition | undefined> {
  const iface = spec.interface as InterfaceName;
  if (spec.module !== undefined) {
    const loaded = await loadModuleAdapter(iface, spec.adapter, spec.module, spec.export ?? 'default');
    if (typeof loaded === 'string') issues.add(`${spec.path}.module`, loaded);
    else if (loaded.interface !== iface) {
      issues.add(`${spec.path}.module`, `${spec.module} provides a ${loaded.interface} adapter, not ${iface}`);
    } else return loaded;
    return undefined;
  }
  const definition = registry.get(iface, spec.adapter);
  if (definition) return definition;
  const known = knownAdapters[iface]?.[spec.adapter];
  if (known) {
    const [pkg, exportName] = known;
    issues.add(
      `${spec.path}.adapter`,
      `'${spec.adapter}' is provided by ${pkg}, which is not registered: npm install ${pkg}, then ` +
        `register it (import { ${exportName} } from '${pkg}'; createKeel(config, { adapters: [${exportName}] }))`,
    );
  }
  // An unknown id was already reported by the config check.
  return undefined;
}

function linkNeeds(instance: PlannedInstance, all: readonly PlannedInstance[], issues: ConfigIssues): void {
  const { spec, definition } = instance;
  let needs: readonly AdapterNeed[];
  try {
    needs = definition.needs?.(instance.options as never) ?? [];
  } catch (error) {
    if (!(error instanceof KeelOptionsError)) throw error;
    for (const i of error.issues) issues.add(`${spec.path}.options.${i.path}`, i.problem);
    return;
  }
  for (const need of needs) {
    const candidates = all.filter((p) => p.spec.interface === need.interface);
    const target =
      need.instance === undefined
        ? (candidates.find((p) => p.spec.name === 'default') ?? candidates[0])
        : candidates.find((p) => p.spec.name === need.instance);
    if (target === undefined && !need.optional) {
      const where =
        need.instance === undefined || need.option === undefined ? spec.path : `${spec.path}.options.${need.option}`;
      const configured = candidates.map((c) => c.spec.name);
      issues.add(
        where,
        need.instance === undefined
          ? `the ${spec.interface} adapter '${spec.adapter}' needs a ${need.interface} instance, and none is ` +
              `configured: add a '${need.interface}' section to the config`
          : `names the ${need.interface} instance '${need.instance}', which is not configured ` +
              `(configured: ${configured.join(', ') || 'none'})`,
      );
    }
    if (target === instance) {
      issues.add(`${spec.path}.options.${need.option ?? ''}`, 'an instance cannot be built on itself');
      continue;
    }
    instance.needs.push({ need, target });
  }
}
