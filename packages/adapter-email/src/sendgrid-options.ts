import { readOptions, type AdapterContext } from '@keel/core/adapter';
import {
  readBaseUrl,
  readReliability,
  readRequiredText,
  type EmailReliabilityOptions,
  type Reliability,
} from './reliability-options.js';

/** Options of `createSendgridEmail`. */
export interface SendgridEmailOptions extends EmailReliabilityOptions {
  /** A SendGrid API key with the Mail Send permission, sent as `Authorization: Bearer <key>`. */
  readonly apiKey: string;
  /** Where the v3 API lives: a region (`https://api.eu.sendgrid.com`), a proxy or a test server. @default 'https://api.sendgrid.com' */
  readonly baseUrl?: string;
  /** SendGrid's sandbox mode: the request is validated and answered but nothing is delivered. @default false */
  readonly sandboxMode?: boolean;
}

export interface ResolvedSendgridOptions {
  readonly apiKey: string;
  readonly baseUrl: string;
  readonly sandboxMode: boolean;
  readonly reliability: Reliability;
}

export function resolveSendgridOptions(
  options: SendgridEmailOptions | undefined,
  context?: AdapterContext,
): ResolvedSendgridOptions {
  const factory = 'createSendgridEmail';
  const o = readOptions(factory, options);
  const apiKey = readRequiredText(o, factory, 'apiKey');
  const baseUrl = readBaseUrl(o, factory, 'https://api.sendgrid.com');
  const sandboxMode = o.boolean('sandboxMode', false);
  const reliability = readReliability(o, factory, context);
  o.done();
  return { apiKey, baseUrl, sandboxMode, reliability };
}
