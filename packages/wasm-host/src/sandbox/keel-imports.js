// @ts-check
// The keel interfaces as jco's glue wants them: one object per interface with its functions and
// resource classes. Each function counts the call, then goes to `bind`'s function: the adapter
// binding itself in-thread, the bridge to the host thread in a worker.

/** A host resource as it crosses from the bindings: `{ [resourceMark]: 'Transaction', id: 3 }`. */
export const resourceMark = '$keelResource';

/**
 * @typedef {object} InterfacePlan
 * @property {string} name                                unversioned, `keel:infrastructure/sql`
 * @property {string} short                               `sql`, the name host calls are counted under
 * @property {string[]} functions                         jco names
 * @property {Record<string, string[]>} resources         class → method names
 * @property {Record<string, string>} returnsResource     function (`begin`, `Transaction.begin`) → class
 * @property {string[]} notify                            functions whose result the guest does not wait for
 */

/**
 * @typedef {(short: string, fn: string, notify: boolean) => (args: unknown[]) => unknown} Bind
 */

/**
 * @param {InterfacePlan[]} plan
 * @param {Bind} bind
 * @param {(name: string) => void} tick
 * @returns {Record<string, Record<string, unknown>>}
 */
export function createKeelImports(plan, bind, tick) {
  /** @type {Record<string, Record<string, unknown>>} */
  const imports = {};
  for (const iface of plan) {
    /** @type {Record<string, unknown>} */
    const object = {};
    /** @type {Record<string, new (id: number) => object>} */
    const classes = {};
    for (const [className, methods] of Object.entries(iface.resources)) {
      const drop = bind(iface.short, `${className}.drop`, true);
      const cls = class {
        /** @param {number} id */
        constructor(id) {
          this.id = id;
        }
        [Symbol.dispose]() {
          drop([this.id]);
        }
      };
      Object.defineProperty(cls, 'name', { value: className });
      for (const method of methods) {
        const fn = wrap(`${className}.${method}`);
        Object.defineProperty(cls.prototype, method, {
          value: /** @this {{ id: number }} @param {unknown[]} args */ function (...args) {
            return fn([this.id, ...args]);
          },
        });
      }
      classes[className] = cls;
      object[className] = cls;
    }
    for (const fn of iface.functions) {
      const call = wrap(fn);
      object[fn] = (/** @type {unknown[]} */ ...args) => call(args);
    }
    imports[iface.name] = object;

    /** @param {string} fn */
    function wrap(fn) {
      const notify = iface.notify.includes(fn);
      const call = bind(iface.short, fn, notify);
      const resource = iface.returnsResource[fn];
      const short = iface.short;
      if (resource) {
        return (/** @type {unknown[]} */ args) => {
          tick(short);
          const value = /** @type {{ id: number }} */ (call(args));
          const Cls = /** @type {new (id: number) => object} */ (classes[resource]);
          return new Cls(value.id);
        };
      }
      return (/** @type {unknown[]} */ args) => {
        tick(short);
        return call(args);
      };
    }
  }
  return imports;
}
