import type { SqlOperations, SqlTransactionOperations } from './sql-contract.js';

/** Every sql operation name, checked against `SqlOperations` at compile time (both directions). */
export const sqlOperationNames = [
  'query',
  'execute',
  'executeScript',
  'begin',
] as const satisfies readonly (keyof SqlOperations)[];

/** Every method of the `transaction` resource, checked against `SqlTransactionOperations`. */
export const sqlTransactionOperationNames = [
  'query',
  'execute',
  'executeScript',
  'begin',
  'commit',
  'rollback',
] as const satisfies readonly (keyof SqlTransactionOperations)[];

type Missing =
  | Exclude<keyof SqlOperations, (typeof sqlOperationNames)[number]>
  | Exclude<keyof SqlTransactionOperations, (typeof sqlTransactionOperationNames)[number]>;
export const sqlOperationsComplete: [Missing] extends [never] ? true : Missing = true;
