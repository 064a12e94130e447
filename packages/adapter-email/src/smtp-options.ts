import { KeelOptionsError, defaultEmailLimits, readOptions, type AdapterContext, type EmailLimits } from '@keel/core/adapter';
import {
  readReliability,
  readRequiredText,
  type EmailReliabilityOptions,
  type Reliability,
} from './reliability-options.js';

/** How the SMTP connection is protected. */
export type SmtpSecurity = 'starttls' | 'tls' | 'opportunistic' | 'none';

/** Options of `createSmtpEmail`. */
export interface SmtpEmailOptions extends EmailReliabilityOptions {
  /** The SMTP server (relay) to submit to. */
  readonly host: string;
  /** @default 465 with `security: 'tls'`, else 587 */
  readonly port?: number;
  /**
   * `starttls`: plain connection upgraded with STARTTLS, refused if the server does not offer it;
   * `tls`: TLS from the first byte (port 465); `opportunistic`: STARTTLS when offered;
   * `none`: never encrypt (local test servers only).
   * @default 'starttls'
   */
  readonly security?: SmtpSecurity;
  /** Login name; with `password`, the client authenticates (PLAIN or LOGIN). @default no authentication */
  readonly user?: string;
  readonly password?: string;
  /** TLS settings for `starttls`, `tls` and `opportunistic`. */
  readonly tls?: {
    /** Refuse a certificate that does not verify. @default true */
    readonly rejectUnauthorized?: boolean;
    /** Extra trusted CA certificate(s), PEM. @default Node's bundled CAs */
    readonly ca?: string;
    /** The name the certificate must carry. @default host */
    readonly servername?: string;
    /** @default 'TLSv1.2' */
    readonly minVersion?: 'TLSv1.2' | 'TLSv1.3';
  };
  /** Keep connections open and reuse them. @default true */
  readonly pool?: boolean;
  /** Connections in the pool. @default 5 */
  readonly maxConnections?: number;
  /** Messages per pooled connection before it is replaced. @default 100 */
  readonly maxMessages?: number;
  /** The name this client gives in EHLO. @default the machine's host name */
  readonly clientName?: string;
  /** What the server accepts per message (relays differ). @default { maxRecipients: 100, maxMessageBytes: 20971520, maxAttachments: 100 } */
  readonly limits?: Partial<EmailLimits>;
}

export interface ResolvedSmtpOptions {
  readonly host: string;
  readonly port: number;
  readonly security: SmtpSecurity;
  readonly auth: { readonly user: string; readonly pass: string } | undefined;
  readonly tls: { rejectUnauthorized: boolean; ca?: string; servername?: string; minVersion: 'TLSv1.2' | 'TLSv1.3' };
  readonly pool: boolean;
  readonly maxConnections: number;
  readonly maxMessages: number;
  readonly clientName: string | undefined;
  readonly limits: EmailLimits;
  readonly reliability: Reliability;
}

export function resolveSmtpOptions(
  options: SmtpEmailOptions | undefined,
  context?: AdapterContext,
): ResolvedSmtpOptions {
  const factory = 'createSmtpEmail';
  const o = readOptions(factory, options);
  const host = readRequiredText(o, factory, 'host');
  const security = o.oneOf('security', ['starttls', 'tls', 'opportunistic', 'none'], 'starttls');
  const port = o.integer('port', security === 'tls' ? 465 : 587, { min: 1, max: 65535 });
  const user = o.optionalString('user');
  const pass = o.optionalString('password');
  if ((user === undefined) !== (pass === undefined))
    throw new KeelOptionsError(user === undefined ? 'user' : 'password', 'user and password go together', factory);
  const t = o.nested('tls');
  const ca = t.optionalString('ca');
  const servername = t.optionalString('servername');
  const tls = {
    rejectUnauthorized: t.boolean('rejectUnauthorized', true),
    minVersion: t.oneOf('minVersion', ['TLSv1.2', 'TLSv1.3'], 'TLSv1.2'),
    ...(ca === undefined ? {} : { ca }),
    ...(servername === undefined ? {} : { servername }),
  };
  t.done();
  const pool = o.boolean('pool', true);
  const maxConnections = o.integer('maxConnections', 5, { min: 1, max: 1000 });
  const maxMessages = o.integer('maxMessages', 100, { min: 1, max: 1_000_000 });
  const clientName = o.optionalString('clientName');
  const l = o.nested('limits');
  const limits: EmailLimits = {
    maxRecipients: l.integer('maxRecipients', 100, { min: 1, max: 100_000 }),
    maxMessageBytes: l.integer('maxMessageBytes', defaultEmailLimits.maxMessageBytes, { min: 1, max: 2 ** 31 - 1 }),
    maxAttachments: l.integer('maxAttachments', defaultEmailLimits.maxAttachments, { min: 0, max: 10_000 }),
  };
  l.done();
  const reliability = readReliability(o, factory, context);
  o.done();
  return {
    host,
    port,
    security,
    auth: user === undefined ? undefined : { user, pass: pass as string },
    tls,
    pool,
    maxConnections,
    maxMessages,
    clientName,
    limits,
    reliability,
  };
}
