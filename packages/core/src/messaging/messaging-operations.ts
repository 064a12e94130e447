import type { MessagingOperations } from './messaging-contract.js';

/** Every messaging operation name, checked against `MessagingOperations` at compile time (both directions). */
export const messagingOperationNames = [
  'publish',
  'ensureConsumer',
  'deleteConsumer',
  'pull',
  'ack',
  'nak',
] as const satisfies readonly (keyof MessagingOperations)[];

type Missing = Exclude<keyof MessagingOperations, (typeof messagingOperationNames)[number]>;
export const messagingOperationsComplete: [Missing] extends [never] ? true : Missing = true;
