export { createRealtimeHandler, type RealtimeHandler } from './create-realtime-handler.js';
export {
  realtimeOptions,
  type RealtimeOptions,
  type RealtimeGrant,
  type RealtimeAuthorize,
} from './realtime-options.js';
export { matchesPattern } from './subject-patterns.js';
export type { SweepReport } from './stream-leases.js';
