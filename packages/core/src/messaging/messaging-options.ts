import { integer, maxTimerMs, option } from '../options/option-schemas.js';

/**
 * The options every messaging adapter that stores messages itself takes, with JetStream's
 * defaults, so that they mean the same everywhere: spread them into the adapter's schema.
 *
 * @example
 * const myMessagingOptions = v.strictObject({ url: required(text(), 'The server.'), ...messagingStoreOptions });
 */
export const messagingStoreOptions = {
  maxMessageBytes: option(integer(1, 512 * 1024 * 1024), {
    default: 1024 * 1024,
    description: 'Largest message (data plus header names and values), in bytes. The default is JetStream’s.',
  }),
  dedupWindowMs: option(integer(1, maxTimerMs), {
    default: 120_000,
    description: 'How long a `messageId` is remembered for de-duplication, in ms. The default is JetStream’s.',
  }),
};
