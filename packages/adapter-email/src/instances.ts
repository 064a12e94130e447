import { KeelOptionsError, type AdapterContext, type AdapterNeed } from '@keel/core/adapter';

/** Where a builder gets the instances its options name: `createKeel`'s context, or nowhere. */
export type InstanceSource = Pick<AdapterContext, 'get'>;

/**
 * The instance a name in options means: `'default'` is the interface's default instance (the
 * one named `default`, else the first), any other name that instance.
 */
export function instanceName(name: string): string | undefined {
  return name === 'default' ? undefined : name;
}

/**
 * The source of a factory called without the container (`createSendgridEmail(options)`): options
 * that name instances are refused, every one of them, in one `KeelOptionsError`.
 *
 * @example
 * const source = withoutContainer('createSendgridEmail', sendgridAdapter.needs?.(parsed) ?? []);
 */
export function withoutContainer(where: string, needs: readonly AdapterNeed[]): InstanceSource {
  if (needs.length > 0) {
    throw new KeelOptionsError(
      where,
      needs.map((need) => ({
        path: need.option ?? need.interface,
        problem: `an instance name only works inside createKeel; pass the ${need.interface} instance itself`,
      })),
    );
  }
  return {
    get(iface) {
      throw new TypeError(`${where}: asked for a ${iface} instance outside createKeel`);
    },
  };
}

/** An instance a need named, open already (the container checked that it is configured). */
export function needed<I extends Parameters<InstanceSource['get']>[0]>(
  source: InstanceSource,
  iface: I,
  name: string | undefined,
) {
  const instance = source.get(iface, name);
  if (instance === undefined) throw new TypeError(`no ${iface} instance '${name ?? 'default'}' was started`);
  return instance;
}
