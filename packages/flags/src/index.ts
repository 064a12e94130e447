export { createFlags, type FlagEntry, type Flags } from './create-flags.js';
export { evaluateFlag, type FlagContext, type FlagResolution } from './evaluate.js';
export {
  flagDefinition,
  type FlagDefinition,
  type FlagDefinitionInput,
  type FlagType,
  type FlagValue,
} from './flag-definition.js';
export { FlagsError, type FlagsErrorCode } from './flags-errors.js';
export { flagsOptions, type FlagsOptions } from './flags-options.js';
