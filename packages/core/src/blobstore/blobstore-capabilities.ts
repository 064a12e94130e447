/** What a blobstore adapter can do beyond the contract every adapter honours. */
export interface BlobstoreCapabilities {
  /** `presign` gives URLs that read or write an object without credentials. */
  readonly presignedUrls: boolean;
  /** `read` takes a byte range. */
  readonly ranges: boolean;
  /** `write` takes `ttlMs`: objects expire (hidden at once, deleted later by a job). */
  readonly expiry: boolean;
  /** `write` takes `ifMatch` and `ifAbsent`, checked atomically with the write. */
  readonly conditionalWrites: boolean;
  /** Objects survive a process restart. */
  readonly persistent: boolean;
  /** The largest object this instance accepts, in bytes (its `limits.maxObjectBytes`). */
  readonly maxObjectBytes: number;
}

/** What a driver declares: every capability but the size limit, which core takes from the limits. */
export type BlobstoreDriverCapabilities = Omit<BlobstoreCapabilities, 'maxObjectBytes'>;

/** The capabilities config may `require` (the flags; `maxObjectBytes` is a number). */
export const blobstoreCapabilityNames = [
  'presignedUrls',
  'ranges',
  'expiry',
  'conditionalWrites',
  'persistent',
] as const satisfies readonly (keyof BlobstoreDriverCapabilities)[];
