import { fn, oneOf, option, string, text } from '@keel/core/adapter';
import * as v from 'valibot';
import type { AuthTokenMessage } from './token-delivery.js';

type TokenUrl = (token: string) => string;
type RenderMail = (message: AuthTokenMessage) => { subject: string; text: string; html?: string };

const tokenUrl = v.union(
  [string(), fn<TokenUrl>()],
  'expected a URL with {token} where the token goes, or a function of the token',
);

/** The `mail` options: how reset and verification emails look and leave. */
export const tokenMailOptions = v.strictObject({
  from: option(text(), {
    description:
      "The sender, `'Acme <no-reply@acme.test>'`. Required when auth sends reset and verification emails " +
      'through an email instance (set `email: false` to send none).',
  }),
  appName: option(text(), { default: 'Keel', description: 'Named in subjects and bodies.' }),
  resetUrl: option(tokenUrl, {
    description:
      'The reset page (also linked from `account-exists` notices), with `{token}` where the token goes, or a ' +
      'function of the token.',
  }),
  verifyUrl: option(tokenUrl, { description: 'The verification page, likewise.' }),
  render: option(fn<RenderMail>('a function (message) => { subject, text, html? }'), {
    defaultText: 'built-in',
    description: 'Your own subject and bodies.',
  }),
  delivery: option(oneOf(['background', 'await']), {
    default: 'background',
    description:
      '`background` answers the request before the email is handed over, so that a slow provider does not ' +
      'reveal by timing that the account exists; failures go to `onError`. `await` waits for the provider ' +
      '(errors are still only reported, never returned, for the same reason).',
  }),
});

/** How reset and verification emails look and leave (`mail` in the adapter's options). */
export type TokenMailOptions = v.InferInput<typeof tokenMailOptions>;
/** The mail options with every default filled in. */
export type ResolvedTokenMailOptions = Readonly<v.InferOutput<typeof tokenMailOptions>>;
