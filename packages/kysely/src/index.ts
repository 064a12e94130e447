export { keelDialect } from './keel-dialect.js';
