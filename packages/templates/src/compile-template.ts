import mjml2html from 'mjml';
import { err, ok, type Result } from '@keel/core';
import { htmlToText } from './html-to-text.js';
import { parsePlaceholders, variablesOf, type Segments } from './placeholders.js';
import { TemplatesError } from './templates-errors.js';

/** What a version is written as. */
export interface TemplateSource {
  /** The subject line; placeholders allowed, printed unescaped (a subject is not HTML). */
  readonly subject: string;
  /** The body in MJML (`<mjml><mj-body>…</mj-body></mjml>`), validated strictly at save. */
  readonly mjml: string;
  /** The text part; without it, the text is derived from the compiled HTML. */
  readonly text?: string;
}

/** A version compiled once: MJML turned into HTML, every part split into segments. */
export interface CompiledTemplate {
  readonly subject: Segments;
  readonly html: Segments;
  readonly text: Segments;
  /** Every placeholder of the three parts, each once. */
  readonly variables: readonly string[];
}

/**
 * Compiles a version: mjml with `validationLevel: 'strict'` (an unknown tag, an illegal attribute
 * or a misplaced element is `INVALID_MJML` with mjml's messages in `details`), includes ignored
 * (`mj-include` would read files of the server), then the placeholders parsed in each part.
 * Placeholders pass through mjml untouched, so one compile serves every render of the version.
 */
export async function compileTemplate(source: TemplateSource): Promise<Result<CompiledTemplate, TemplatesError>> {
  const compiled = await runMjml(source.mjml);
  if (compiled.isErr()) return err(compiled.error);
  const html = compiled.value;
  const subject = parsePlaceholders(source.subject, 'subject');
  if (subject.isErr()) return err(subject.error);
  const body = parsePlaceholders(html, 'mjml');
  if (body.isErr()) return err(body.error);
  const text = parsePlaceholders(source.text ?? htmlToText(html), 'text');
  if (text.isErr()) return err(text.error);
  const variables = variablesOf([...subject.value, ...body.value, ...text.value]);
  return ok({ subject: subject.value, html: body.value, text: text.value, variables });
}

async function runMjml(mjml: string): Promise<Result<string, TemplatesError>> {
  try {
    const out = await mjml2html(mjml, { validationLevel: 'strict', ignoreIncludes: true, keepComments: false });
    return ok(out.html);
  } catch (cause) {
    const details = mjmlErrors(cause);
    const message = details.length > 0 ? details.join('; ') : cause instanceof Error ? cause.message : String(cause);
    return err(
      new TemplatesError({ code: 'INVALID_MJML', op: 'save', message: `invalid MJML: ${message}`, details, cause }),
    );
  }
}

function mjmlErrors(cause: unknown): string[] {
  const errors = (cause as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors)) return [];
  return errors.map(
    (e: { line?: number; tagName?: string; message?: string }) =>
      `line ${e.line ?? '?'} (${e.tagName ?? '?'}): ${e.message ?? 'invalid'}`,
  );
}
