import { memoryTarget } from './support/kv-targets.js';
import { describeCacheSuite } from './suites/cache-suite.js';

describeCacheSuite(memoryTarget());
