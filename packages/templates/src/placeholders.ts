import { err, ok, type Result } from '@keel/core';
import { TemplatesError, templatesError } from './templates-errors.js';

/** A value a placeholder can print, or an object whose fields dotted placeholders reach (`{{user.name}}`). */
export type TemplateValue = string | number | bigint | boolean | { readonly [key: string]: TemplateValue };

/** The variables of one render. */
export type TemplateVariables = { readonly [name: string]: TemplateValue };

/** A template split once into literal text and placeholders: rendering is then a join, no parsing. */
export type Segments = readonly (string | Placeholder)[];

interface Placeholder {
  readonly path: string;
  /** `{{{name}}}`: printed as given, even in HTML. */
  readonly raw: boolean;
}

const TAG = /\{\{(\{?)\s*([^{}]*?)\s*(\}?)\}\}/g;
const PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/**
 * Splits `source` into segments. `{{ name }}` and `{{ user.name }}` are placeholders;
 * `{{{ name }}}` is one printed unescaped. Anything else between braces, or a `{{` left open, is
 * `INVALID_TEMPLATE` naming what was found: a typo never reaches a recipient as literal braces.
 */
export function parsePlaceholders(source: string, where: string): Result<Segments, TemplatesError> {
  const segments: (string | Placeholder)[] = [];
  let last = 0;
  for (const match of source.matchAll(TAG)) {
    const [whole, open = '', path = '', close = ''] = match;
    if (open.length !== close.length || !PATH.test(path)) {
      return err(templatesError('INVALID_TEMPLATE', 'parse', `${where}: malformed placeholder ${whole}`));
    }
    if (match.index > last) segments.push(source.slice(last, match.index));
    segments.push({ path, raw: open === '{' });
    last = match.index + whole.length;
  }
  const rest = source.slice(last);
  if (rest.includes('{{')) {
    return err(templatesError('INVALID_TEMPLATE', 'parse', `${where}: a "{{" is never closed`));
  }
  if (rest.length > 0) segments.push(rest);
  return ok(segments);
}

/** The placeholders' paths, each once, in order of appearance. */
export function variablesOf(segments: Segments): string[] {
  return [...new Set(segments.filter((s) => typeof s !== 'string').map((s) => s.path))];
}

/**
 * Joins `segments` with `variables`, each value passed through `escapeValue` unless its placeholder is
 * raw. A placeholder without a printable value is `MISSING_VARIABLE` naming it, never an empty string.
 */
export function fillPlaceholders(
  segments: Segments,
  variables: TemplateVariables,
  escapeValue: (value: string) => string,
  op: string,
): Result<string, TemplatesError> {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'string') {
      out += segment;
      continue;
    }
    const value = lookup(variables, segment.path);
    if (value === undefined) {
      return err(
        new TemplatesError({
          code: 'MISSING_VARIABLE',
          op,
          message: `missing variable "${segment.path}"`,
          variable: segment.path,
        }),
      );
    }
    out += segment.raw ? value : escapeValue(value);
  }
  return ok(out);
}

/** Escapes text for HTML content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function lookup(variables: TemplateVariables, path: string): string | undefined {
  let value: TemplateValue | undefined = variables;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, TemplateValue>)[key];
  }
  if (value === null || value === undefined || typeof value === 'object') return undefined;
  return String(value);
}
