import { clockOption, integer, option, shaped, messagingStoreOptions } from '@keel/core/adapter';
import * as v from 'valibot';
import type { MemoryBroker } from './memory-broker.js';

/** The options of `createMemoryMessaging`, declared once: the type, the checks and the README table come from here. */
export const memoryMessagingOptions = v.strictObject({
  broker: option(
    shaped<MemoryBroker>(
      'a MemoryBroker from createMemoryBroker()',
      (x) => typeof (x as MemoryBroker)?.subjects === 'object',
    ),
    {
      description:
        'The in-process broker to use: instances given the same broker are members of the same consumer groups. Each instance gets its own when left out.',
      defaultText: 'a new broker',
    },
  ),
  ...messagingStoreOptions,
  maxMessagesPerSubject: option(integer(1, 2 ** 31 - 1), {
    description:
      'Oldest messages of a subject are dropped beyond this many (pending deliveries of them are dropped too).',
    defaultText: 'unlimited',
  }),
  clock: clockOption(),
});

/** Options of `createMemoryMessaging`. */
export type MemoryMessagingOptions = v.InferInput<typeof memoryMessagingOptions>;
/** The options with every default filled in. */
export type ResolvedMemoryMessagingOptions = v.InferOutput<typeof memoryMessagingOptions>;
