import { createRedisKv } from '@keel/adapter-kv-redis';
import { createRateLimiter } from '../../src/index.js';

// One of the processes of limiter.test.ts: 100 concurrent checks on a shared key, each over a
// fresh limiter (so nothing is serialised in the process), then how many were allowed.
const kv = createRedisKv({ url: process.env.KEEL_RL_URL as string, keyPrefix: process.env.KEEL_RL_PREFIX as string });
const limiters = Array.from({ length: 10 }, () => createRateLimiter(kv, { limit: 40, intervalMs: 3_600_000 }));
const decisions = await Promise.all(Array.from({ length: 100 }, (_, i) => limiters[i % 10]?.consume('shared')));
process.stdout.write(`${decisions.filter((d) => d?.isOk() && d.value.allowed).length}\n`);
await kv.close();
