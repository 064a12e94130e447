import {
  createToken,
  defineService,
  instanceToken,
  keelTokens,
  tokens,
  type KeelToken,
  type ServiceDefinition,
} from '@keel/core';
import { parseOptions } from '@keel/core/adapter';
import { buildEmailOutbox } from './transactional-outbox.js';
import type { EmailOutbox } from './transactional-outbox-types.js';
import { emailOutboxOptions, type EmailOutboxServiceOptions } from './transactional-outbox-options.js';

/** Where `emailOutboxService()` puts the outbox: `keel.resolve(emailOutboxToken)`. */
export const emailOutboxToken: KeelToken<EmailOutbox> = createToken<EmailOutbox>('keel:email-outbox');

/**
 * The transactional outbox as a service of `createKeel`: built after the sql and email instances
 * it names (or the default ones), and stopped at `keel.close()` before they close. Options are
 * those of `createEmailOutbox`; `sql` and `email` may be instance names.
 *
 * @example
 * const services = [emailOutboxService({ sql: 'orders' })];
 * const keel = (await createKeel(config, { adapters, services }))._unsafeUnwrap();
 * const outbox = keel.resolve(emailOutboxToken);
 * await outbox.migrate();
 * outbox.start();
 */
export function emailOutboxService(
  options: EmailOutboxServiceOptions = {},
  token: KeelToken<EmailOutbox> = emailOutboxToken,
): ServiceDefinition<EmailOutbox> {
  const o = parseOptions(emailOutboxOptions, options, 'emailOutboxService');
  const sql = o.sql === undefined || typeof o.sql === 'string' ? tokenOf('sql', o.sql) : undefined;
  const email = o.email === undefined || typeof o.email === 'string' ? tokenOf('email', o.email) : undefined;
  return defineService({
    token,
    needs: [...(sql ? [sql] : []), ...(email ? [email] : []), keelTokens.observability],
    create: (resolve) =>
      buildEmailOutbox({
        ...o,
        observability: o.observability ?? resolve(keelTokens.observability),
        sql: sql ? resolve(sql) : (o.sql as Exclude<typeof o.sql, string | undefined>),
        email: email ? resolve(email) : (o.email as Exclude<typeof o.email, string | undefined>),
      }),
    close: (outbox) => outbox.stop(),
  });
}

/** The token of an instance name (`'default'` or none: the default instance). */
function tokenOf<I extends 'sql' | 'email'>(iface: I, name: string | undefined) {
  return name === undefined || name === 'default' ? tokens[iface] : instanceToken(iface, name);
}
