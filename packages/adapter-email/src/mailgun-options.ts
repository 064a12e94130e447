import { KeelOptionsError, readOptions, type AdapterContext } from '@keel/core/adapter';
import {
  readBaseUrl,
  readReliability,
  readRequiredText,
  type EmailReliabilityOptions,
  type Reliability,
} from './reliability-options.js';

/** Mailgun's API hosts per region. */
export const mailgunBaseUrls = Object.freeze({ us: 'https://api.mailgun.net', eu: 'https://api.eu.mailgun.net' });

/** Options of `createMailgunEmail`. */
export interface MailgunEmailOptions extends EmailReliabilityOptions {
  /** A Mailgun API key (or a domain sending key), sent as basic auth `api:<key>`. */
  readonly apiKey: string;
  /** The sending domain, as in `POST /v3/<domain>/messages`. */
  readonly domain: string;
  /** Where the domain was created: `us` (api.mailgun.net) or `eu` (api.eu.mailgun.net). @default 'us' */
  readonly region?: 'us' | 'eu';
  /** Overrides the region's host: a proxy or a test server. @default the region's host */
  readonly baseUrl?: string;
}

export interface ResolvedMailgunOptions {
  readonly apiKey: string;
  readonly domain: string;
  readonly baseUrl: string;
  readonly reliability: Reliability;
}

export function resolveMailgunOptions(
  options: MailgunEmailOptions | undefined,
  context?: AdapterContext,
): ResolvedMailgunOptions {
  const factory = 'createMailgunEmail';
  const o = readOptions(factory, options);
  const apiKey = readRequiredText(o, factory, 'apiKey');
  const domain = readRequiredText(o, factory, 'domain');
  if (!/^[A-Za-z0-9.-]+$/.test(domain))
    throw new KeelOptionsError('domain', `expected a domain name such as mg.example.com, got '${domain}'`, factory);
  const region = o.oneOf('region', ['us', 'eu'], 'us');
  const baseUrl = readBaseUrl(o, factory, mailgunBaseUrls[region]);
  const reliability = readReliability(o, factory, context);
  o.done();
  return { apiKey, domain, baseUrl, reliability };
}
