import { levelTarget } from './support/kv-targets.js';
import { describeCacheSuite } from './suites/cache-suite.js';

// A real LevelDB folder per store; LevelDB locks a folder to one process, so "two processes" here
// are two caches on one store (the multi-process test runs on Redis).
describeCacheSuite(levelTarget());
