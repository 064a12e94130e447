import { clockOption, integer, maxTimerMs, option, shaped } from '@keel/core/adapter';
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
  maxMessageBytes: option(integer(1, 64 * 1024 * 1024), {
    default: 1024 * 1024,
    description: 'Largest message (data plus header names and values), in bytes. The default is JetStream’s.',
  }),
  dedupWindowMs: option(integer(1, maxTimerMs), {
    default: 120_000,
    description: 'How long a `messageId` is remembered for de-duplication, in ms. The default is JetStream’s.',
  }),
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
