export { buildSea, type BuildSeaOptions, type SeaProgress, type SeaResult } from './build-sea.js';
export { SeaBuildError } from './sea-build-error.js';
export { seaCommand, seaUsage } from './sea-command.js';
