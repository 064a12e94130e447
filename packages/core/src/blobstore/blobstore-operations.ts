import type { BlobstoreOperations } from './blobstore-contract.js';

/** Every blobstore operation name, checked against `BlobstoreOperations` at compile time (both directions). */
export const blobstoreOperationNames = [
  'createContainer',
  'deleteContainer',
  'containerExists',
  'stat',
  'read',
  'write',
  'list',
  'copy',
  'delete',
  'exists',
  'presign',
] as const satisfies readonly (keyof BlobstoreOperations)[];

type Missing = Exclude<keyof BlobstoreOperations, (typeof blobstoreOperationNames)[number]>;
export const blobstoreOperationsComplete: [Missing] extends [never] ? true : Missing = true;
