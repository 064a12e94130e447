export { createJobs, type JobsOptions } from './create-jobs.js';
export { jobsService, jobsToken, type JobsServiceOptions } from './jobs-service.js';
export { jobsOptions, type JobsOptionsSchema } from './jobs-options.js';
export {
  defineJob,
  type JobDefinition,
  type JobMap,
  type JobSettings,
  type PayloadIn,
  type PayloadOut,
  type ResultOf,
} from './job-definition.js';
export { backoffDelay, type BackoffOptions } from './backoff.js';
export type { MissedTicks, ScheduleInput, ScheduleTiming } from './schedule-spec.js';
export { JobsError, type JobsErrorCode, type JobsErrorInit } from './jobs-errors.js';
export type {
  Enqueued,
  EnqueueOptions,
  JobFailure,
  JobHandler,
  JobInfo,
  JobPage,
  Jobs,
  JobState,
  ListOptions,
  RunningJob,
  Worker,
  WorkOptions,
} from './jobs-types.js';
export {
  blobExpiryHandler,
  blobExpiryJob,
  deleteExpiredBlobs,
  type BlobExpiryPayload,
  type BlobExpiryReport,
} from './blob-expiry.js';
