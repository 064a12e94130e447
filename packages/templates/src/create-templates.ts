import { createMigrator, err, ok, ResultAsync, type Result, type Sql } from '@keel/core';
import { parseOptions } from '@keel/core/adapter';
import { compileTemplate, type CompiledTemplate, type TemplateSource } from './compile-template.js';
import { compiledCache } from './compiled-cache.js';
import { escapeHtml, fillPlaceholders, type TemplateVariables } from './placeholders.js';
import { templateStore, type TemplateVersion } from './template-store.js';
import { templatesError, type TemplatesError } from './templates-errors.js';
import { templatesMigrations } from './templates-migrations.js';
import { isLocale, templatesOptions, type TemplatesOptions } from './templates-options.js';
import type { RenderedTemplate, RenderOptions, SendOptions, SentTemplate, Templates } from './templates-types.js';

const NAME = /^[A-Za-z0-9][\w.:-]{0,199}$/;

/**
 * Email templates in MJML, kept as versions in the app's sql.
 *
 * @example
 * const templates = createTemplates({ sql: keel.sql, email: keel.email });
 * await templates.migrate();
 * await templates.save('welcome', 'en', { subject: 'Welcome, {{name}}', mjml: '<mjml><mj-body>…</mj-body></mjml>' });
 * const rendered = await templates.render('welcome', { name: 'Ada' }, { locale: 'en-GB' });
 */
export function createTemplates(options: TemplatesOptions): Templates {
  const o = parseOptions(templatesOptions, options, 'createTemplates');
  const store = templateStore(o.sql, o.table);
  const cache = compiledCache(o.cacheSize);
  const migrator = createMigrator(o.sql, {
    migrations: templatesMigrations(o.table),
    scope: `keel-templates:${o.table}`,
  });

  const compiled = (version: TemplateVersion) =>
    cache.get(`${version.name}/${version.locale}/${version.version}`, () => compileTemplate(version));

  // The locale asked for, its language, then the fallback: the first that has the template.
  const resolve = async (
    name: string,
    render: RenderOptions,
    db: Pick<Sql, 'query'>,
  ): Promise<Result<TemplateVersion, TemplatesError>> => {
    const asked = render.locale ?? o.fallbackLocale;
    if (!NAME.test(name)) return err(templatesError('INVALID_TEMPLATE', 'render', `invalid template name "${name}"`));
    if (!isLocale(asked)) return err(templatesError('INVALID_TEMPLATE', 'render', `invalid locale "${asked}"`));
    const chain = [...new Set([asked, asked.split('-')[0] as string, o.fallbackLocale])];
    for (const locale of chain) {
      const found = await store.find(name, locale, render.version, db);
      if (found.isErr() || found.value !== undefined) return found as Result<TemplateVersion, TemplatesError>;
    }
    const which = render.version === undefined ? '' : ` version ${render.version}`;
    return err(templatesError('NOT_FOUND', 'render', `no template "${name}"${which} in ${chain.join(', ')}`));
  };

  // Read through the caller's transaction when there is one: on SQLite, a read on the pool would wait for it.
  const render = async (name: string, variables: TemplateVariables, options: RenderOptions, db: Pick<Sql, 'query'>) => {
    const version = await resolve(name, options, db);
    if (version.isErr()) return err(version.error);
    const template = await compiled(version.value);
    if (template.isErr()) return err(template.error);
    return fill(version.value, template.value, variables);
  };

  const templates: Templates = {
    migrate: () => migrator.up().map(() => undefined),

    save: (name: string, locale: string, source: TemplateSource) =>
      new ResultAsync(
        (async () => {
          if (!NAME.test(name))
            return err(templatesError('INVALID_TEMPLATE', 'save', `invalid template name "${name}"`));
          if (!isLocale(locale)) return err(templatesError('INVALID_TEMPLATE', 'save', `invalid locale "${locale}"`));
          const template = await compileTemplate(source);
          if (template.isErr()) return err(template.error);
          const version = await store.insert(name, locale, source, o.clock.now());
          if (version.isErr()) return err(version.error);
          return ok({ version: version.value, variables: template.value.variables });
        })(),
      ),

    render: (name, variables, options = {}) => new ResultAsync(render(name, variables, options, options.tx ?? o.sql)),

    message: (name, variables, envelope, options) =>
      templates
        .render(name, variables, options)
        .map((r) => ({ ...envelope, subject: r.subject, html: r.html, text: r.text })),

    send: (name, variables, envelope, options: SendOptions = {}) =>
      new ResultAsync(render(name, variables, options, options.tx ?? o.sql)).andThen((rendered) => {
        const message = { ...envelope, subject: rendered.subject, html: rendered.html, text: rendered.text };
        if (options.outbox) {
          if (!options.tx) throw new TypeError('templates.send: `tx` is required with `outbox`');
          return options.outbox
            .enqueue(options.tx, message)
            .map((queued): SentTemplate => ({ rendered, outboxId: queued.id }))
            .mapErr((e) => templatesError('SEND', 'send', `the outbox refused ${name}: ${e.message}`, e));
        }
        if (!o.email) throw new TypeError('templates.send: give createTemplates an `email`, or `send` an outbox');
        return o.email
          .send(message)
          .map((receipt): SentTemplate => ({ rendered, receipt }))
          .mapErr((e) => templatesError('SEND', 'send', `sending ${name} failed: ${e.message}`, e));
      }),

    versions: (name) => new ResultAsync(store.list(name)),
  };
  return templates;
}

/** One render of a compiled version: the HTML escaped, the subject and text as given. */
function fill(
  version: TemplateVersion,
  template: CompiledTemplate,
  variables: TemplateVariables,
): Result<RenderedTemplate, TemplatesError> {
  const asIs = (value: string) => value;
  const subject = fillPlaceholders(template.subject, variables, asIs, 'render');
  if (subject.isErr()) return err(subject.error);
  const html = fillPlaceholders(template.html, variables, escapeHtml, 'render');
  if (html.isErr()) return err(html.error);
  const text = fillPlaceholders(template.text, variables, asIs, 'render');
  if (text.isErr()) return err(text.error);
  const { name, locale } = version;
  return ok({ name, locale, version: version.version, subject: subject.value, html: html.value, text: text.value });
}
