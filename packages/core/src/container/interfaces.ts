import { authCapabilityNames } from '../auth/auth-capabilities.js';
import { authOperationNames } from '../auth/auth-operations.js';
import { blobstoreCapabilityNames } from '../blobstore/blobstore-capabilities.js';
import { blobstoreOperationNames } from '../blobstore/blobstore-operations.js';
import { emailCapabilityNames } from '../email/email-capabilities.js';
import { emailOperationNames } from '../email/email-operations.js';
import { messagingCapabilityNames } from '../messaging/messaging-capabilities.js';
import { messagingOperationNames } from '../messaging/messaging-operations.js';
import { kvCapabilityNames } from '../kv/kv-capabilities.js';
import { kvOperationNames } from '../kv/kv-operations.js';
import { sqlCapabilityNames } from '../sql/sql-capabilities.js';
import { sqlOperationNames } from '../sql/sql-operations.js';
import type { InterfaceName } from '../config/config-types.js';

/** What the container knows of each interface: its operations and capability names. */
export interface InterfaceInfo {
  readonly operations: readonly string[];
  readonly capabilities: readonly string[];
}

/** In start-up order: interfaces later in the list may be built on earlier ones. */
export const interfaceInfo: { readonly [I in InterfaceName]: InterfaceInfo } = {
  kv: { operations: kvOperationNames, capabilities: kvCapabilityNames },
  sql: { operations: sqlOperationNames, capabilities: sqlCapabilityNames },
  email: { operations: emailOperationNames, capabilities: emailCapabilityNames },
  messaging: { operations: messagingOperationNames, capabilities: messagingCapabilityNames },
  blobstore: { operations: blobstoreOperationNames, capabilities: blobstoreCapabilityNames },
  // Last: auth is built on sql, kv and email, and closes first.
  auth: { operations: authOperationNames, capabilities: authCapabilityNames },
};

export const interfaceOrder = Object.keys(interfaceInfo) as InterfaceName[];
