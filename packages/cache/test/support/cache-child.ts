// A process with its own cache on a shared Redis, for the multi-process tests. Told what to do on
// stdin, one JSON line at a time; answers on stdout, one JSON line per command.
//   argv[2]: { url, keyPrefix, leaseMs, leaseWaitMs, loadMs }
//   stdin:  { keys, callers }  → getOrSet each key from `callers` concurrent callers
//           { hold: keys }     → start a load of each key that never finishes (then wait to be killed)
import { createInterface } from 'node:readline';
import { createRedisKv } from '@keel/adapter-kv-redis';
import { createCache } from '../../src/index.js';

interface Setup {
  readonly url: string;
  readonly keyPrefix: string;
  readonly leaseMs: number;
  readonly leaseWaitMs: number;
  readonly loadMs: number;
}

const setup = JSON.parse(process.argv[2] as string) as Setup;
const kv = createRedisKv({ url: setup.url, keyPrefix: setup.keyPrefix });
const cache = createCache(kv, { leaseMs: setup.leaseMs, leaseWaitMs: setup.leaseWaitMs, leasePollMs: 5 });
const say = (message: object) => process.stdout.write(`${JSON.stringify(message)}\n`);

let loads = 0;
const load = (key: string) => async () => {
  loads++;
  await new Promise((resolve) => setTimeout(resolve, setup.loadMs));
  return { key, loadedBy: process.pid };
};

// Connect before saying ready, so that a command runs at once.
if ((await kv.exists('warm-up')).isErr()) throw new Error('no Redis');
say({ ready: process.pid });

for await (const line of createInterface({ input: process.stdin })) {
  const command = JSON.parse(line) as { keys?: string[]; callers?: number; hold?: string[] };
  if (command.hold) {
    for (const key of command.hold) {
      void cache.getOrSet(key, () => {
        say({ loading: key });
        return new Promise<never>(() => undefined);
      });
    }
    continue;
  }
  const before = loads;
  const calls = (command.keys ?? []).flatMap((key) =>
    Array.from({ length: command.callers ?? 1 }, () => cache.getOrSet(key, load(key))),
  );
  const results = await Promise.all(calls);
  const values = results.map((r) => (r.isOk() ? r.value : { error: r.error.message }));
  say({ loads: loads - before, values, stats: cache.stats() });
}
await kv.close();
