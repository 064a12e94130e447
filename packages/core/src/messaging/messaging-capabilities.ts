/** What a messaging adapter can do beyond the contract every adapter honours. */
export interface MessagingCapabilities {
  /** Messages and consumer positions survive a restart of the process (and of the server). */
  readonly durable: boolean;
  /** Several clients can pull from one consumer, each message going to one of them. */
  readonly consumerGroups: boolean;
  /** Where a new consumer can start besides `all` and `new`: `position` (`at-position`), `time` (both `at-position` and `at-time`). */
  readonly replay: 'position' | 'time' | false;
  /** `messageId` drops repeats within the adapter's de-duplication window. */
  readonly deduplication: boolean;
  /** A consumer's `deadLetterSubject` receives messages given up after `maxDeliveries`. */
  readonly deadLetter: boolean;
  /** Largest message (data plus header names and values, in bytes) the adapter stores. */
  readonly maxMessageBytes: number;
}

/** The capabilities config may `require` (the flags; `replay` and `maxMessageBytes` are values). */
export const messagingCapabilityNames = [
  'durable',
  'consumerGroups',
  'deduplication',
  'deadLetter',
] as const satisfies readonly (keyof MessagingCapabilities)[];
