import { boolean, option, required } from '@keel/core/adapter';
import * as v from 'valibot';
import { httpUrl, nonBlank } from './option-builders.js';
import { reliabilityOptions } from './reliability-options.js';

const schema = v.strictObject({
  apiKey: required(
    nonBlank(),
    'A SendGrid API key with the Mail Send permission, sent as `Authorization: Bearer <key>`.',
  ),
  baseUrl: option(httpUrl(), {
    default: 'https://api.sendgrid.com',
    description: 'Where the v3 API lives: a region (`https://api.eu.sendgrid.com`), a proxy or a test server.',
  }),
  sandboxMode: option(boolean(), {
    default: false,
    description: "SendGrid's sandbox mode: the request is validated and answered but nothing is delivered.",
  }),
  ...reliabilityOptions,
});

type Schema = typeof schema;
/** The schema's type, named so that declarations name it. */
export interface SendgridOptionsSchema extends Schema {}
/** The options of `createSendgridEmail` and the `sendgrid` adapter, declared once. */
export const sendgridOptions: SendgridOptionsSchema = schema;

/** Options of `createSendgridEmail`. */
export type SendgridEmailOptions = v.InferInput<typeof sendgridOptions>;
/** The options with every default filled in. */
export type ResolvedSendgridOptions = v.InferOutput<typeof sendgridOptions>;
