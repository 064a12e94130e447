import type { KvOperations } from './kv-contract.js';

/** Every kv operation name, checked against `KvOperations` at compile time (both directions). */
export const kvOperationNames = [
  'get',
  'set',
  'delete',
  'exists',
  'increment',
  'compareAndSwap',
  'expire',
  'ttl',
  'scan',
  'getMany',
  'setMany',
  'deleteMany',
] as const satisfies readonly (keyof KvOperations)[];

type Missing = Exclude<keyof KvOperations, (typeof kvOperationNames)[number]>;
export const kvOperationsComplete: [Missing] extends [never] ? true : Missing = true;
