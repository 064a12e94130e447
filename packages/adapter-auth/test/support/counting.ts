// Wrappers that count calls, so that tests compare the work two code paths do rather than
// their timing.
import type { Kv, Sql } from '@keel/core';

export type Counts = Record<string, number>;

function counted<T extends object>(target: T, prefix: string, counts: Counts): T {
  const wrapped: Record<string | symbol, unknown> = { ...(target as Record<string | symbol, unknown>) };
  for (const [name, value] of Object.entries(target)) {
    if (typeof value !== 'function' || ['open', 'close', 'health'].includes(name)) continue;
    wrapped[name] = (...args: unknown[]) => {
      const key = `${prefix}.${name}${prefix === 'sql' && typeof args[0] === 'string' ? `:${args[0].trim().split(/\s+/)[0]}` : ''}`;
      counts[key] = (counts[key] ?? 0) + 1;
      return (value as (...a: unknown[]) => unknown).apply(target, args);
    };
  }
  return wrapped as T;
}

export function countingKv(kv: Kv, counts: Counts): Kv {
  return counted(kv, 'kv', counts);
}

export function countingSql(sql: Sql, counts: Counts): Sql {
  return counted(sql, 'sql', counts);
}
