export { createWorkflows } from './create-workflows.js';
export { workflowsOptions, type WorkflowsOptions, type WorkflowsOptionsSchema } from './workflows-options.js';
export {
  defineWorkflow,
  type ComponentStep,
  type FunctionStep,
  type Json,
  type RetryPolicy,
  type StepCall,
  type StepCommon,
  type StepDefinition,
  type StepFunction,
  type StepKind,
  type WorkflowDefinition,
} from './workflow-definition.js';
export type { WorkflowComponents } from './workflows-runtime.js';
export {
  WorkflowsError,
  type ValidationIssue,
  type WorkflowsErrorCode,
  type WorkflowsErrorInit,
} from './workflows-errors.js';
export type {
  RecordedError,
  RunState,
  ListRunsOptions,
  RunPage,
  RunStatus,
  StartOptions,
  StepRecord,
  StepState,
  WaitOptions,
  Workflows,
  WorkOptions,
} from './workflows-types.js';
