/** The SQL an adapter speaks, for code that must write engine-specific SQL (migrations, query builders). */
export type SqlDialect = (typeof sqlDialects)[number];

/** Every dialect a Keel sql adapter may declare. */
export const sqlDialects = ['sqlite', 'postgres'] as const;

/** What a sql adapter can do beyond the contract every adapter honours. */
export interface SqlCapabilities {
  /** Which SQL the database speaks; ask this, never the adapter's id. */
  readonly dialect: SqlDialect;
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
  /** `sql.notifications` wakes listeners in other processes on the same database (PostgreSQL `LISTEN`/`NOTIFY`). */
  readonly notifications?: boolean;
}

/** The yes/no capabilities, which config's `requires` can ask for (`dialect` is a value, not one of them). */
export const sqlCapabilityNames = [
  'transactions',
  'savepoints',
  'namedParameters',
  'persistent',
  'synchronous',
  'sandbox',
  'notifications',
] as const satisfies readonly (keyof SqlCapabilities)[];
