/** What a kv adapter can do beyond the contract every adapter honours. */
export interface KvCapabilities {
  /** Keys can expire (`set` with `ttlMs`, `expire`, `ttl`). */
  readonly ttl: boolean;
  /** `setMany` and `deleteMany` apply all or nothing. */
  readonly atomicBatch: boolean;
  /** Data survives a process restart. */
  readonly persistent: boolean;
}

export const kvCapabilityNames = ['ttl', 'atomicBatch', 'persistent'] as const satisfies readonly (keyof KvCapabilities)[];
