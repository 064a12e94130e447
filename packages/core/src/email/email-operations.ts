import type { EmailOperations } from './email-contract.js';

/** Every email operation name, checked against `EmailOperations` at compile time. */
export const emailOperationNames = ['send'] as const satisfies readonly (keyof EmailOperations)[];

type Missing = Exclude<keyof EmailOperations, (typeof emailOperationNames)[number]>;
export const emailOperationsComplete: [Missing] extends [never] ? true : Missing = true;
