import { err, ok, type Result } from '@keel/core';
import type { Json } from './workflow-definition.js';

/** One `${…}` of a step's config: its root (`input`, `context`, `steps`, `run`) and the path under it. */
export interface Reference {
  readonly text: string;
  readonly path: readonly string[];
}

const pattern = /\$\{([^}]*)\}/g;
const segment = /^[\w-]+$/;

/** Every `${…}` in a config value, or the text of one that is not a dotted path. */
export function references(value: unknown): Result<Reference[], string> {
  const found: Reference[] = [];
  const visit = (v: unknown): string | undefined => {
    if (typeof v === 'string') {
      for (const [text, inner] of v.matchAll(pattern)) {
        const path = (inner ?? '').trim().split('.');
        if (!path.every((p) => segment.test(p)))
          return `'${text}' is not a dotted path such as \${steps.fetch.output.id}`;
        found.push({ text, path });
      }
      return undefined;
    }
    if (Array.isArray(v)) {
      for (const item of v) {
        const problem = visit(item);
        if (problem) return problem;
      }
      return undefined;
    }
    if (v !== null && typeof v === 'object') {
      for (const item of Object.values(v)) {
        const problem = visit(item);
        if (problem) return problem;
      }
    }
    return undefined;
  };
  const problem = visit(value);
  return problem === undefined ? ok(found) : err(problem);
}

/** What `${…}` resolves against while a run runs. */
export interface Scope {
  readonly input: Json;
  readonly context: Json;
  readonly steps: Readonly<Record<string, { readonly output: Json }>>;
  readonly run: { readonly id: string; readonly workflow: string };
}

/**
 * The config with each `${…}` replaced: a string that is exactly one `${…}` becomes the value
 * found (any JSON); one inside other text becomes its text. A path that finds nothing is an
 * `Err` naming it.
 */
export function resolve(value: Json | undefined, scope: Scope): Result<Json, string> {
  const lookup = (text: string, inner: string): Result<Json, string> => {
    let at: unknown = scope;
    for (const key of inner.trim().split('.')) {
      if (at === null || typeof at !== 'object' || !Object.hasOwn(at, key)) return err(`${text} found nothing`);
      at = (at as Record<string, unknown>)[key];
    }
    return ok(at as Json);
  };
  const visit = (v: Json): Result<Json, string> => {
    if (typeof v === 'string') {
      const whole = /^\$\{([^}]*)\}$/.exec(v);
      if (whole) return lookup(v, whole[1] ?? '');
      let problem: string | undefined;
      const text = v.replace(pattern, (match, inner: string) => {
        const found = lookup(match, inner);
        if (found.isErr()) {
          problem ??= found.error;
          return '';
        }
        return typeof found.value === 'string' ? found.value : JSON.stringify(found.value);
      });
      return problem === undefined ? ok(text) : err(problem);
    }
    if (Array.isArray(v)) {
      const out: Json[] = [];
      for (const item of v) {
        const r = visit(item);
        if (r.isErr()) return r;
        out.push(r.value);
      }
      return ok(out);
    }
    if (v !== null && typeof v === 'object') {
      const out: Record<string, Json> = {};
      for (const [key, item] of Object.entries(v)) {
        const r = visit(item);
        if (r.isErr()) return r;
        out[key] = r.value;
      }
      return ok(out);
    }
    return ok(v);
  };
  return visit(value ?? null);
}
