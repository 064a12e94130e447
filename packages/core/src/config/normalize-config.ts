import { describeValue } from '../errors/describe-value.js';
import { closest } from '../options/closest.js';

/** One adapter instance, as the container builds it. */
export interface InstanceSpec {
  readonly interface: string;
  /** `default` for the single-instance form. */
  readonly name: string;
  /** Where it is in the config, for messages: `kv`, `sql.main`. */
  readonly path: string;
  readonly adapter: string;
  readonly module: string | undefined;
  readonly export: string | undefined;
  readonly options: Readonly<Record<string, unknown>> | undefined;
  readonly requires: readonly string[];
}

/** What validation needs to know about the interfaces and adapters available. */
export interface ConfigVocabulary {
  /** Interface name → its capability names. */
  readonly capabilities: Readonly<Record<string, readonly string[]>>;
  /** Adapter ids registered for an interface. */
  adapters(iface: string): readonly string[];
}

const INSTANCE_FIELDS = ['adapter', 'options', 'requires', 'module', 'export'];
const NAME = /^[a-z][a-z0-9-]*$/;

/**
 * Checks the shape of a config and flattens it into instance specs. Every problem is reported
 * at once, each with its exact path and what was expected.
 */
export function normalizeConfig(
  config: unknown,
  vocabulary: ConfigVocabulary,
): { specs: InstanceSpec[]; issues: string[] } {
  const issues: string[] = [];
  const specs: InstanceSpec[] = [];
  if (!isRecord(config)) return { specs, issues: [`(config): expected an object, got ${describeValue(config)}`] };
  const interfaces = Object.keys(vocabulary.capabilities);
  for (const [section, value] of Object.entries(config)) {
    if (value === undefined) continue;
    if (!interfaces.includes(section)) {
      const hint = closest(section, interfaces);
      issues.push(
        `${section}: unknown section${hint ? `; did you mean '${hint}'?` : ''} (known: ${interfaces.join(', ')})`,
      );
      continue;
    }
    if (!isRecord(value)) {
      issues.push(`${section}: expected { adapter, options } or named instances, got ${describeValue(value)}`);
      continue;
    }
    const single = 'adapter' in value || 'module' in value;
    const instances = single ? { default: value } : value;
    for (const [name, instance] of Object.entries(instances)) {
      const path = single ? section : `${section}.${name}`;
      if (!NAME.test(name)) {
        issues.push(`${path}: instance names are lowercase letters, digits and '-', starting with a letter`);
        continue;
      }
      const spec = readInstance(section, name, path, instance, vocabulary, issues);
      if (spec) specs.push(spec);
    }
  }
  return { specs, issues };
}

function readInstance(
  iface: string,
  name: string,
  path: string,
  value: unknown,
  vocabulary: ConfigVocabulary,
  issues: string[],
): InstanceSpec | undefined {
  if (!isRecord(value)) {
    issues.push(`${path}: expected { adapter, options }, got ${describeValue(value)}`);
    return undefined;
  }
  const before = issues.length;
  for (const field of Object.keys(value)) {
    if (!INSTANCE_FIELDS.includes(field)) {
      const hint = closest(field, INSTANCE_FIELDS);
      issues.push(
        `${path}.${field}: unknown field${hint ? `; did you mean '${hint}'?` : ''} (known: ${INSTANCE_FIELDS.join(', ')})`,
      );
    }
  }
  const { adapter, options, requires = [], module, export: exportName } = value;
  if (module !== undefined && typeof module !== 'string')
    issues.push(`${path}.module: expected a string, got ${describeValue(module)}`);
  if (exportName !== undefined && typeof exportName !== 'string') {
    issues.push(`${path}.export: expected a string, got ${describeValue(exportName)}`);
  }
  // A module adapter needs no id: messages name it by its module unless config names it.
  const named = typeof adapter === 'string' || (module !== undefined && adapter === undefined);
  if (!named) {
    issues.push(`${path}.adapter: expected an adapter id (string), got ${describeValue(adapter)}`);
  } else if (module === undefined && !vocabulary.adapters(iface).includes(adapter as string)) {
    const known = vocabulary.adapters(iface);
    const hint = closest(adapter as string, known);
    issues.push(
      `${path}.adapter: unknown ${iface} adapter '${adapter}'${hint ? `; did you mean '${hint}'?` : ''} ` +
        `(known: ${known.join(', ') || 'none'}; or name a module with 'module')`,
    );
  }
  if (options !== undefined && !isRecord(options))
    issues.push(`${path}.options: expected an object, got ${describeValue(options)}`);
  const capabilities = vocabulary.capabilities[iface] ?? [];
  if (!Array.isArray(requires)) {
    issues.push(`${path}.requires: expected an array of capability names, got ${describeValue(requires)}`);
  } else {
    requires.forEach((capability: unknown, i) => {
      if (typeof capability !== 'string' || !capabilities.includes(capability)) {
        issues.push(
          `${path}.requires[${i}]: expected one of ${capabilities.join(', ')}, got ${describeValue(capability)}`,
        );
      }
    });
  }
  if (issues.length > before) return undefined;
  return {
    interface: iface,
    name,
    path,
    adapter: (adapter as string | undefined) ?? String(module),
    module: module as string | undefined,
    export: exportName as string | undefined,
    options: options as Record<string, unknown> | undefined,
    requires: requires as string[],
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}
