/** What a kv adapter can do beyond the contract every adapter honours. */
export interface KvCapabilities {
  /** Keys can expire (`set` with `ttlMs`, `expire`, `ttl`). */
  readonly ttl: boolean;
  /** `setMany` and `deleteMany` apply all or nothing. */
  readonly atomicBatch: boolean;
  /** Data survives a process restart. */
  readonly persistent: boolean;
  /** Every operation can also be answered without a promise, through `kv.sync`. */
  readonly synchronous: boolean;
}

export const kvCapabilityNames = [
  'ttl',
  'atomicBatch',
  'persistent',
  'synchronous',
] as const satisfies readonly (keyof KvCapabilities)[];
