import type { Binding, BindingContext } from './binding.js';

/**
 * An interface the component imports but may not use (or that this host does not serve):
 * every call is refused with `access-denied` and logged. Resources cannot be obtained, so
 * their methods are never reached.
 */
export function deniedBinding(
  short: string,
  functions: readonly string[],
  reason: string,
  ctx: BindingContext,
): Binding {
  const binding: Record<string, () => never> = {};
  for (const fn of functions) {
    binding[fn] = () => {
      throw ctx.denied(short, fn, reason);
    };
  }
  return binding;
}
