export { main, usage } from './main.js';
export { CliError, type CliIo } from './cli-io.js';
