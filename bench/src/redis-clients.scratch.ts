import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { compare } from './harness.js';

const io = new Redis('redis://127.0.0.1:6379');
const ioAuto = new Redis('redis://127.0.0.1:6379', { enableAutoPipelining: true });
const nr = createClient({ url: 'redis://127.0.0.1:6379' });
await nr.connect();
const sha = (await io.script('LOAD', "return redis.call('SET', KEYS[1], ARGV[1])")) as string;
const P = 'bench-client:';
const keys = Array.from({ length: 1000 }, (_, i) => `${P}${i}`);
for (const k of keys) await io.set(k, 'x'.repeat(45));
let n = 0;
const next = () => keys[n++ % 1000] as string;
const c32 = <T>(f: () => Promise<T>) => () => Promise.all(Array.from({ length: 32 }, f));
await compare('get c1', [
  { name: 'ioredis get', fn: () => io.get(next()) },
  { name: 'ioredis getBuffer', fn: () => io.getBuffer(next()) },
  { name: 'node-redis get', fn: () => nr.get(next()) },
]);
await compare('set c1', [
  { name: 'ioredis set', fn: () => io.set(next(), 'v') },
  { name: 'node-redis set', fn: () => nr.set(next(), 'v') },
]);
await compare('get c32', [
  { name: 'ioredis get', fn: c32(() => io.get(next())), opsPerCall: 32 },
  { name: 'ioredis autopipeline get', fn: c32(() => ioAuto.get(next())), opsPerCall: 32 },
  { name: 'node-redis get', fn: c32(() => nr.get(next())), opsPerCall: 32 },
]);
await compare('set c32', [
  { name: 'ioredis set', fn: c32(() => io.set(next(), 'v')), opsPerCall: 32 },
  { name: 'ioredis autopipeline set', fn: c32(() => ioAuto.set(next(), 'v')), opsPerCall: 32 },
  { name: 'node-redis set', fn: c32(() => nr.set(next(), 'v')), opsPerCall: 32 },
]);
await compare('pipeline of 32 gets', [
  { name: 'ioredis pipeline', fn: () => { const p = io.pipeline(); for (let i = 0; i < 32; i++) p.get(next()); return p.exec(); }, opsPerCall: 32 },
  { name: 'node-redis execAsPipeline', fn: () => { const m = nr.multi(); for (let i = 0; i < 32; i++) m.get(next()); return m.execAsPipeline(); }, opsPerCall: 32 },
]);
await compare('evalsha c1', [
  { name: 'ioredis evalsha', fn: () => io.evalsha(sha, 1, next(), 'v') },
  { name: 'node-redis evalSha', fn: () => nr.evalSha(sha, { keys: [next()], arguments: ['v'] }) },
]);
await io.del(...keys);
io.disconnect(); ioAuto.disconnect(); await nr.quit();
