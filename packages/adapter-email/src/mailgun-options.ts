import { oneOf, option, required } from '@keel/core/adapter';
import * as v from 'valibot';
import { httpUrl, nonBlank } from './option-builders.js';
import { reliabilityOptions } from './reliability-options.js';

/** Mailgun's API hosts per region. */
export const mailgunBaseUrls = Object.freeze({ us: 'https://api.mailgun.net', eu: 'https://api.eu.mailgun.net' });

const schema = v.pipe(
  v.strictObject({
    apiKey: required(nonBlank(), 'A Mailgun API key (or a domain sending key), sent as basic auth `api:<key>`.'),
    domain: required(
      v.pipe(nonBlank(), v.regex(/^[A-Za-z0-9.-]+$/, 'expected a domain name such as mg.example.com')),
      'The sending domain, as in `POST /v3/<domain>/messages`.',
    ),
    region: option(oneOf(['us', 'eu']), {
      default: 'us',
      description: 'Where the domain was created: `us` (api.mailgun.net) or `eu` (api.eu.mailgun.net).',
    }),
    baseUrl: option(httpUrl(), {
      defaultText: "the region's host",
      description: "Overrides the region's host: a proxy or a test server.",
    }),
    ...reliabilityOptions,
  }),
  v.transform((o) => ({ ...o, baseUrl: o.baseUrl ?? mailgunBaseUrls[o.region] })),
);

type Schema = typeof schema;
/** The schema's type, named so that declarations name it. */
export interface MailgunOptionsSchema extends Schema {}
/** The options of `createMailgunEmail` and the `mailgun` adapter, declared once. */
export const mailgunOptions: MailgunOptionsSchema = schema;

/** Options of `createMailgunEmail`. */
export type MailgunEmailOptions = v.InferInput<typeof mailgunOptions>;
/** The options with every default filled in. */
export type ResolvedMailgunOptions = v.InferOutput<typeof mailgunOptions>;
