export { createConsole, type ConsoleHandler, type ConsoleKeel } from './create-console.js';
export {
  consoleOptions,
  type ConsoleOptions,
  type ConsoleOptionsSchema,
  type ExecutionSource,
} from './console-options.js';
export { statusOf, type ConsoleErrorCode, type HttpFailure } from './console-errors.js';
