import type { KeelError } from './keel-error.js';

// Fields every Keel error has; the rest (key, constraint, retryAfterMs, …) are the subclass's own.
const BASE_FIELDS = new Set(['code', 'message', 'adapter', 'op', 'cause', 'name', 'stack']);

/**
 * The interface's error for anything an adapter threw. An error of the interface's own type
 * keeps its code and fields, with `adapter` and `op` filled in; anything else becomes
 * `INTERNAL`, with the original as `cause`.
 */
export function toInterfaceError<E extends KeelError>(
  ErrorType: abstract new (init: never) => E,
  iface: string,
  thrown: unknown,
  adapter: string,
  op: string,
  key?: string,
): E {
  const make = ErrorType as unknown as new (init: Record<string, unknown>) => E;
  const context = key === undefined ? {} : { key };
  if (thrown instanceof ErrorType) {
    if (thrown.adapter === adapter && thrown.op === op) return thrown;
    const own = Object.fromEntries(
      Object.entries(thrown).filter(([field, value]) => !BASE_FIELDS.has(field) && value !== undefined),
    );
    return new make({
      ...context,
      ...own,
      code: thrown.code,
      message: thrown.message,
      adapter,
      op,
      cause: thrown.cause,
    });
  }
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  return new make({
    ...context,
    code: 'INTERNAL',
    message: `${iface} adapter '${adapter}' failed in ${op}: ${message}`,
    adapter,
    op,
    cause: thrown,
  });
}
