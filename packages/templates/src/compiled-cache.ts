import type { Result } from '@keel/core';
import type { CompiledTemplate } from './compile-template.js';
import type { TemplatesError } from './templates-errors.js';

type Compiling = Promise<Result<CompiledTemplate, TemplatesError>>;

/**
 * Compiled versions by `name/locale/version`, least recently used out first. A version never
 * changes, so an entry never goes stale; the promise is kept so that concurrent renders of a
 * version not yet compiled share one compile. A failed compile is not kept.
 */
export function compiledCache(size: number) {
  const entries = new Map<string, Compiling>();
  return {
    get(key: string, compile: () => Compiling): Compiling {
      const hit = entries.get(key);
      if (hit) {
        entries.delete(key);
        entries.set(key, hit);
        return hit;
      }
      const compiling = compile().then((result) => {
        if (result.isErr()) entries.delete(key);
        return result;
      });
      entries.set(key, compiling);
      if (entries.size > size) entries.delete(entries.keys().next().value as string);
      return compiling;
    },
  };
}
