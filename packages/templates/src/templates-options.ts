import type { Email, Sql } from '@keel/core';
import { clockOption, integer, option, required, withMethods } from '@keel/core/adapter';
import * as v from 'valibot';

const locale = v.pipe(
  v.string('expected a locale'),
  v.regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/, 'expected a BCP 47 locale such as en or pt-BR'),
);

/** The options of `createTemplates`, declared once: the type, the checks and the README table come from it. */
export const templatesOptions = v.strictObject({
  sql: required(
    withMethods<Sql>('a Sql instance', ['transaction', 'query', 'execute']),
    'Where the versions are kept.',
  ),
  email: option(withMethods<Email>('an Email instance', ['send']), {
    defaultText: 'none',
    description: 'The email contract `send` goes through when no outbox is given (without either, `send` throws).',
  }),
  table: option(v.pipe(v.string(), v.regex(/^[A-Za-z_]\w{0,50}$/, 'expected a plain identifier')), {
    default: 'keel_templates',
    description: 'The table of versions (and the migrator scope `keel-templates:<table>`).',
  }),
  fallbackLocale: option(locale, {
    default: 'en',
    description:
      'The locale rendered when neither the one asked for nor its language (`pt` for `pt-BR`) has the template.',
  }),
  cacheSize: option(integer(1, 1_000_000), {
    default: 500,
    description:
      'Compiled versions kept in memory (least recently used out first). A version never changes, so an entry never goes stale.',
  }),
  clock: clockOption(),
});

export type TemplatesOptions = v.InferInput<typeof templatesOptions>;
export type ResolvedTemplatesOptions = v.InferOutput<typeof templatesOptions>;

/** Checks a locale given to `save` or `render`. */
export const isLocale = (value: string): boolean => v.is(locale, value);
