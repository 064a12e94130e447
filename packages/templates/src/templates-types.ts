import type { EmailMessage, EmailReceipt, MigrationError, ResultAsync, Sql, SqlTransaction } from '@keel/core';
import type { TemplateSource } from './compile-template.js';
import type { TemplateVariables } from './placeholders.js';
import type { TemplateVersion } from './template-store.js';
import type { TemplatesError } from './templates-errors.js';

/** A version rendered with its variables. */
export interface RenderedTemplate {
  readonly name: string;
  /** The locale whose version was rendered (the one asked for, its language, or the fallback). */
  readonly locale: string;
  readonly version: number;
  readonly subject: string;
  readonly html: string;
  readonly text: string;
}

/** Which version to render. */
export interface RenderOptions {
  /** Tried as given, then its language (`pt` for `pt-BR`), then the instance's `fallbackLocale`. */
  readonly locale?: string;
  /** A pinned version (of the locale found); the newest by default. */
  readonly version?: number;
  /** Reads the version through the caller's transaction (on SQLite, a read outside it would wait for it). */
  readonly tx?: SqlTransaction | Sql;
}

/** The message's fields other than the rendered ones. */
export type TemplateEnvelope = Omit<EmailMessage, 'subject' | 'text' | 'html'>;

/**
 * A transactional outbox, as `@keel/adapter-email`'s `createEmailOutbox` returns it: the message
 * is stored in the caller's transaction and sent by the outbox after the commit, exactly once.
 */
export interface TemplateOutbox {
  enqueue(tx: SqlTransaction | Sql, message: EmailMessage): ResultAsync<{ readonly id: string }, Error>;
}

/** Where `send` delivers: through the outbox in `tx`, or (without one) straight through `email`. */
export interface SendOptions extends RenderOptions {
  /** Stores the message in `tx` (required with it); the outbox sends it after the commit. */
  readonly outbox?: TemplateOutbox;
}

/** What `send` did: the rendered version, and the outbox id or the provider's receipt. */
export interface SentTemplate {
  readonly rendered: RenderedTemplate;
  readonly outboxId?: string;
  readonly receipt?: EmailReceipt;
}

/** A saved version: its number and the placeholders it needs. */
export interface SavedTemplate {
  readonly version: number;
  readonly variables: readonly string[];
}

/** Email templates kept as versions in sql. */
export interface Templates {
  /** Creates (or brings up to date) the versions table with core's migrator. */
  migrate(): ResultAsync<void, MigrationError>;
  /** Compiles `source` (invalid MJML is `INVALID_MJML`) and stores it as the next version of (name, locale). */
  save(name: string, locale: string, source: TemplateSource): ResultAsync<SavedTemplate, TemplatesError>;
  /** Renders a version with `variables`: HTML-escaped in the HTML, a missing one is `MISSING_VARIABLE`. */
  render(
    name: string,
    variables: TemplateVariables,
    options?: RenderOptions,
  ): ResultAsync<RenderedTemplate, TemplatesError>;
  /** The rendered version as a message for the email contract or an outbox. */
  message(
    name: string,
    variables: TemplateVariables,
    envelope: TemplateEnvelope,
    options?: RenderOptions,
  ): ResultAsync<EmailMessage & { readonly subject: string }, TemplatesError>;
  /** Renders and sends: into `options.outbox` in `options.tx`, or through `email`. */
  send(
    name: string,
    variables: TemplateVariables,
    envelope: TemplateEnvelope,
    options?: SendOptions,
  ): ResultAsync<SentTemplate, TemplatesError>;
  /** Every version of a template, each locale's newest first. */
  versions(name: string): ResultAsync<TemplateVersion[], TemplatesError>;
}
