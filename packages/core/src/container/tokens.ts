import type { InterfaceName, KeelInterfaces } from '../config/config-types.js';

declare const tokenType: unique symbol;

/** A container token that carries the type it resolves to. */
export type KeelToken<T> = symbol & { readonly [tokenType]?: T };

/**
 * One token per interface; each resolves to that interface's default instance.
 *
 * @example
 * const kv = keel.resolve(tokens.kv);
 */
export const tokens: { readonly [I in InterfaceName]: KeelToken<KeelInterfaces[I]> } = Object.freeze({
  kv: Symbol.for('keel:kv'),
  sql: Symbol.for('keel:sql'),
  email: Symbol.for('keel:email'),
  messaging: Symbol.for('keel:messaging'),
  auth: Symbol.for('keel:auth'),
  blobstore: Symbol.for('keel:blobstore'),
});

/** The token of a named instance: `instanceToken('sql', 'analytics')`. */
export function instanceToken<I extends InterfaceName>(iface: I, name: string): KeelToken<KeelInterfaces[I]> {
  return Symbol.for(`keel:${iface}#${name}`);
}

/** A token for an app's own service, registered with `keel.register`. */
export function createToken<T>(description: string): KeelToken<T> {
  return Symbol(description);
}
