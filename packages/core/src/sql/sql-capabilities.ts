/** What a sql adapter can do beyond the contract every adapter honours. */
export interface SqlCapabilities {
  /** `begin`, `commit` and `rollback` are real (not emulated). */
  readonly transactions: boolean;
  /** A transaction can nest (`tx.begin()`, nested `transaction(fn)`). */
  readonly savepoints: boolean;
  /** Object parameters bind `:name`, `@name` and `$name`. */
  readonly namedParameters: boolean;
  /** Data survives a process restart. */
  readonly persistent: boolean;
  /** Every operation can also be answered without a promise, through `sql.sync`. */
  readonly synchronous: boolean;
  /** `sql.sandbox(options)` runs untrusted SQL on its own connection, with a deadline and a result budget. */
  readonly sandbox?: boolean;
}

export const sqlCapabilityNames = [
  'transactions',
  'savepoints',
  'namedParameters',
  'persistent',
  'synchronous',
  'sandbox',
] as const satisfies readonly (keyof SqlCapabilities)[];
