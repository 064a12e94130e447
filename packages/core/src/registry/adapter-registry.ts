import type { InterfaceName } from '../config/config-types.js';
import { type AdapterDefinition, isAdapterDefinition } from './adapter-definition.js';

/** Adapter definitions by interface and id. `createKeel` reads one; see `registerAdapter`. */
export class AdapterRegistry {
  private readonly entries = new Map<string, AdapterDefinition>();

  constructor(definitions: readonly AdapterDefinition[] = []) {
    for (const d of definitions) this.register(d);
  }

  /** Adds an adapter; another definition under the same interface and id throws unless `replace` is set. */
  register(definition: AdapterDefinition, options: { replace?: boolean } = {}): this {
    if (!isAdapterDefinition(definition)) {
      throw new TypeError('registerAdapter: expected an adapter definition (see defineAdapter)');
    }
    const key = `${definition.interface}:${definition.id}`;
    const existing = this.entries.get(key);
    if (existing !== undefined && existing !== definition && !options.replace) {
      throw new TypeError(
        `registerAdapter: ${definition.interface} adapter '${definition.id}' is already registered; ` +
          'pass { replace: true } to replace it',
      );
    }
    this.entries.set(key, definition);
    return this;
  }

  get(iface: string, id: string): AdapterDefinition | undefined {
    return this.entries.get(`${iface}:${id}`);
  }

  ids(iface: InterfaceName | string): string[] {
    return [...this.entries.values()].filter((d) => d.interface === iface).map((d) => d.id);
  }

  /** A registry with this one's entries and `more` (which win). */
  with(more: readonly AdapterDefinition[]): AdapterRegistry {
    const next = new AdapterRegistry([...this.entries.values()]);
    for (const d of more) next.register(d, { replace: true });
    return next;
  }
}
