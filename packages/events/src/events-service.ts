import {
  createToken,
  defineService,
  instanceToken,
  keelTokens,
  tokens,
  type KeelToken,
  type ServiceDefinition,
  type Sql,
} from '@keel/core';
import { parseOptions } from '@keel/core/adapter';
import { buildEvents, type Events } from './create-events.js';
import { eventsOptions, type EventsOptions } from './events-options.js';

/**
 * Where `eventsService()` puts the store.
 *
 * @example
 * const events = keel.resolve(eventsToken);
 */
export const eventsToken: KeelToken<Events> = createToken<Events>('keel:events');

/** Options of `eventsService`: those of `createEvents`, and the sql instance to use. */
export interface EventsServiceOptions extends EventsOptions {
  /** The name of a sql instance in the config. @default the default sql instance */
  readonly sql?: string;
}

/**
 * The event store as a service of `createKeel`: built after its sql instance and closed (its
 * subscriptions stopped) at `keel.close()` before the database closes. It logs to the app's
 * logger and traces with the app's observability unless given others.
 *
 * @example
 * const keel = (await createKeel(config, { adapters: [sqliteAdapter], services: [eventsService()] }))._unsafeUnwrap();
 * const events = keel.resolve(eventsToken);
 * (await events.migrate())._unsafeUnwrap();
 */
export function eventsService(
  options: EventsServiceOptions = {},
  token: KeelToken<Events> = eventsToken,
): ServiceDefinition<Events> {
  const { sql: name, ...rest } = options;
  if (name !== undefined && (typeof name !== 'string' || name.length === 0)) {
    throw new TypeError('eventsService: sql must be the name of a sql instance');
  }
  const resolved = parseOptions(eventsOptions, rest, 'eventsService');
  const sql: KeelToken<Sql> = name === undefined || name === 'default' ? tokens.sql : instanceToken('sql', name);
  return defineService({
    token,
    needs: [sql, keelTokens.logger, keelTokens.observability],
    create: (resolve) =>
      buildEvents(resolve(sql), {
        ...resolved,
        logger: resolved.logger ?? resolve(keelTokens.logger),
        observability: resolved.observability ?? resolve(keelTokens.observability),
      }),
    close: (events) => events.close(),
  });
}
