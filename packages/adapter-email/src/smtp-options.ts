import { defaultEmailLimits, boolean, integer, maxTimerMs, oneOf, option, required } from '@keel/core/adapter';
import * as v from 'valibot';
import { fieldRules, nonBlank } from './option-builders.js';
import { reliabilityOptions } from './reliability-options.js';

/** How the SMTP connection is protected. */
export type SmtpSecurity = 'starttls' | 'tls' | 'opportunistic' | 'none';

const tlsGroup = v.strictObject({
  rejectUnauthorized: option(boolean(), { default: true, description: 'Refuse a certificate that does not verify.' }),
  ca: option(nonBlank(), {
    defaultText: "Node's bundled CAs",
    description: "Extra trusted CA certificate(s), PEM: a private relay's.",
  }),
  servername: option(nonBlank(), { defaultText: 'host', description: 'The name the certificate must carry.' }),
  minVersion: option(oneOf(['TLSv1.2', 'TLSv1.3']), { default: 'TLSv1.2', description: 'The oldest TLS version.' }),
});

const limitsGroup = v.strictObject({
  maxRecipients: option(integer(1, 100_000), { default: 100, description: 'Recipients (to + cc + bcc) per message.' }),
  maxMessageBytes: option(integer(1, maxTimerMs), {
    default: defaultEmailLimits.maxMessageBytes,
    description: 'Bytes per message, before encoding.',
  }),
  maxAttachments: option(integer(0, 10_000), {
    default: defaultEmailLimits.maxAttachments,
    description: 'Attachments per message.',
  }),
});

const schema = v.pipe(
  v.strictObject({
    host: required(nonBlank(), 'The SMTP server (relay) to submit to.'),
    port: option(integer(1, 65535), {
      defaultText: "465 with security 'tls', else 587",
      description: 'The server port: 587 is mail submission (STARTTLS), 465 implicit TLS.',
    }),
    security: option(oneOf(['starttls', 'tls', 'opportunistic', 'none']), {
      default: 'starttls',
      description:
        '`starttls`: a plain connection upgraded with STARTTLS, refused if the server does not offer it; ' +
        '`tls`: TLS from the first byte (port 465); `opportunistic`: STARTTLS when offered; ' +
        '`none`: never encrypt (local test servers only).',
    }),
    user: option(nonBlank(), {
      defaultText: 'no authentication',
      description: 'Login name; with `password`, the client authenticates (PLAIN or LOGIN).',
    }),
    password: option(v.string('expected a string'), { description: 'Goes with `user`: both or neither.' }),
    tls: option(tlsGroup, { default: {}, description: 'TLS settings for `starttls`, `tls` and `opportunistic`.' }),
    pool: option(boolean(), { default: true, description: 'Keep connections open and reuse them.' }),
    maxConnections: option(integer(1, 1000), { default: 5, description: 'Connections in the pool.' }),
    maxMessages: option(integer(1, 1_000_000), {
      default: 100,
      description: 'Messages per pooled connection before it is replaced.',
    }),
    clientName: option(nonBlank(), {
      defaultText: "the machine's host name",
      description: 'The name this client gives in EHLO.',
    }),
    limits: option(limitsGroup, { default: {}, description: 'What the server accepts per message (relays differ).' }),
    ...reliabilityOptions,
  }),
  fieldRules((o) => {
    if ((o.user === undefined) === (o.password === undefined)) return [];
    const field = o.user === undefined ? 'user' : 'password';
    return [{ field, problem: 'user and password go together' }];
  }),
  v.transform(({ user, password, tls, ...o }) => ({
    ...o,
    port: o.port ?? (o.security === 'tls' ? 465 : 587),
    auth: user === undefined ? undefined : { user, pass: password as string },
    // Unset keys are left out rather than `undefined`, so that nodemailer and Node apply their defaults.
    tls: Object.fromEntries(Object.entries(tls).filter(([, value]) => value !== undefined)) as typeof tls,
  })),
);

type Schema = typeof schema;
/** The schema's type, named so that declarations name it. */
export interface SmtpOptionsSchema extends Schema {}
/** The options of `createSmtpEmail` and the `smtp` adapter, declared once. */
export const smtpOptions: SmtpOptionsSchema = schema;

/** Options of `createSmtpEmail`. */
export type SmtpEmailOptions = v.InferInput<typeof smtpOptions>;
/** The options with every default filled in. */
export type ResolvedSmtpOptions = v.InferOutput<typeof smtpOptions>;
