import type { KeelLogger } from '@keel/core';
import type { EventHandler } from './event-types.js';
import type { GroupStatements } from './group-statements.js';
import type { TypePatterns } from './patterns.js';
import type { StoreParts } from './store-parts.js';
import type { ResolvedSubscribeOptions } from './subscription-options.js';

/** Where a partition stands, as its checkpoint row says. */
export interface PartitionState {
  position: number;
  /** Failed tries of the event at `failingPosition`. */
  attempts: number;
  failingPosition: number | undefined;
  retryAt: number | undefined;
}

/** What every partition worker of one subscription shares. */
export interface WorkerSetup {
  readonly parts: StoreParts;
  readonly g: GroupStatements;
  readonly options: ResolvedSubscribeOptions;
  readonly consumerId: string;
  readonly patterns: TypePatterns;
  readonly handler: EventHandler;
  readonly report: (error: Error) => void;
  readonly log: KeelLogger;
}
