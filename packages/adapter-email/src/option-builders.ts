import { text, withMethods } from '@keel/core/adapter';
import * as v from 'valibot';

/**
 * Option builders this package needs beside core's (`@keel/core/adapter`), in the same style:
 * each carries Keel's wording, and the parser appends ", got <value>".
 *
 * Schemas this package exports or spreads get a named interface type
 * (`export interface SendgridOptionsSchema extends Schema {}`): declarations then name them
 * instead of writing their structure out wherever they are nested (index.d.ts: 696 KB → 93 KB).
 *
 * @example
 * const sendgridOptions = v.strictObject({
 *   apiKey: required(nonBlank(), 'The API key.'),
 *   baseUrl: option(httpUrl(), { default: 'https://api.sendgrid.com', description: '…' }),
 * });
 */

/** A string with something besides whitespace in it (API keys, domains, hosts). */
export function nonBlank() {
  const message = 'expected a non-empty string';
  return v.pipe(
    v.string(message),
    v.check((s) => s.trim() !== '', message),
  );
}

/** An http(s) URL, given back without its trailing slash so that paths can be appended. */
export function httpUrl() {
  const message = 'expected an http(s) URL';
  return v.pipe(
    v.string(message),
    v.check((s) => URL.canParse(s) && /^https?:$/.test(new URL(s).protocol), message),
    v.transform((s) => s.replace(/\/+$/, '')),
  );
}

/**
 * An instance given as the object itself or as the name of an instance configured in the same
 * config (`idempotency.kv: 'default'`); a name is resolved by `createKeel` through the adapter's
 * `needs`.
 */
export function instanceOr<T>(type: string, methods: readonly string[], iface: string) {
  const name = `${/^[aeiou]/.test(iface) ? 'an' : 'a'} ${iface} instance`;
  return v.pipe(
    v.union([text(), withMethods<T>(type, methods)], `expected ${type} or the name of ${name}`),
    v.metadata({ type: `${type} or the name of ${name}` }),
  );
}

/** One problem a rule across fields found, reported at `field`. */
export interface FieldProblem {
  readonly field: string;
  readonly problem: string;
  /** The value the problem is about. @default the field's value (`undefined` reads "is required") */
  readonly input?: unknown;
}

/**
 * A rule across fields (`user` and `password` go together), reported at the field it is about
 * with that field's value, not at the whole options object. It runs even when another field has
 * a mistake, so every problem is reported; `rule` must therefore expect any value.
 */
export function fieldRules<T extends object>(rule: (input: Partial<Record<keyof T, unknown>>) => FieldProblem[]) {
  return v.rawCheck<T>(({ dataset, addIssue }) => {
    const value = dataset.value as unknown;
    if (typeof value !== 'object' || value === null) return;
    for (const found of rule(value as Partial<Record<keyof T, unknown>>)) {
      const input = 'input' in found ? found.input : (value as Record<string, unknown>)[found.field];
      addIssue({
        message: found.problem,
        input,
        path: [
          { type: 'object', origin: 'value', input: value as Record<string, unknown>, key: found.field, value: input },
        ],
      });
    }
  });
}
