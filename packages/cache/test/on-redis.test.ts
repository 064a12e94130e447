import { redisTarget } from './support/kv-targets.js';
import { describeCacheSuite } from './suites/cache-suite.js';

// The machine's Redis, a key prefix per store; "two processes" are two connections.
describeCacheSuite(await redisTarget());
