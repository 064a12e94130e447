/**
 * A small side-by-side benchmark runner: every case of a table runs in the same process,
 * interleaved round by round, and the table reports each case's speed relative to the first
 * (the raw library). Ratios from one run are comparable; absolute numbers across runs are not.
 */
export interface BenchCase {
  readonly name: string;
  /** One operation; may be sync or async (async cases are awaited one at a time). */
  readonly fn: () => unknown;
  /** How many logical operations one call does (a batch of 1000 puts counts 1000). @default 1 */
  readonly opsPerCall?: number;
}

export interface BenchOptions {
  /** Rounds per case; the median round is reported. @default 7 */
  readonly rounds?: number;
  /** Time per round per case, in ms. @default 150 */
  readonly roundMs?: number;
  /** Calls between clock reads; lower it for slow calls, so that a round ends near `roundMs`. @default 64 */
  readonly checkEvery?: number;
  /**
   * What a round's time is: `wall` clock, or the process's `cpu` time (user + system), which a
   * machine shared with other work disturbs less; rounds still last `roundMs` of wall time.
   * @default 'wall'
   */
  readonly clock?: 'wall' | 'cpu';
}

export interface BenchRow {
  readonly name: string;
  readonly opsPerSec: number;
  /** Time per op relative to the first case: 1.10 means 10% slower than the baseline. */
  readonly ratio: number;
}

/**
 * Rounds for cases that wait on a server: many short ones. How long a round trip waits to be
 * woken drifts with what ran just before (a VM's halt polling adapts to it): in 120 ms rounds, a
 * case that always followed raw pg ran 1.7× faster for it; in 12 ms rounds the cases share it.
 */
export const roundTripRounds = { rounds: 150, roundMs: 12, checkEvery: 1 } as const satisfies BenchOptions;

export async function compare(
  title: string,
  cases: readonly BenchCase[],
  options: BenchOptions = {},
): Promise<BenchRow[]> {
  const rounds = options.rounds ?? 7;
  const roundMs = options.roundMs ?? 150;
  const samples = cases.map(() => [] as number[]);
  const isAsync = await Promise.all(cases.map(async (c) => isThenable(c.fn()) && (await c.fn(), true)));
  const every = options.checkEvery ?? 64;
  const cpu = options.clock === 'cpu';
  for (const [i, c] of cases.entries()) await runFor(c, isAsync[i] as boolean, roundMs / 3, every, cpu); // warm-up
  for (let r = 0; r < rounds; r++) {
    // Each round starts one case later, so no case always follows the same one: a case can
    // leave the machine warmer or colder for the next (a pool's server processes, caches).
    for (let k = 0; k < cases.length; k++) {
      const i = (k + r) % cases.length;
      const c = cases[i] as BenchCase;
      const { calls, ms } = await runFor(c, isAsync[i] as boolean, roundMs, every, cpu);
      (samples[i] as number[]).push(((calls * (c.opsPerCall ?? 1)) / ms) * 1000);
    }
  }
  const medians = samples.map((s) => s.sort((a, b) => a - b)[Math.floor(s.length / 2)] as number);
  const rows = cases.map((c, i) => ({
    name: c.name,
    opsPerSec: medians[i] as number,
    ratio: (medians[0] as number) / (medians[i] as number),
  }));
  printTable(title, rows);
  return rows;
}

async function runFor(
  c: BenchCase,
  isAsync: boolean,
  ms: number,
  every: number,
  cpu = false,
): Promise<{ calls: number; ms: number }> {
  const fn = c.fn;
  let calls = 0;
  const cpuStart = cpu ? process.cpuUsage() : undefined;
  const start = performance.now();
  let now = start;
  // Check the clock every 64 calls so that reading it costs little next to fast operations.
  if (isAsync) {
    while (now - start < ms) {
      for (let i = 0; i < every; i++) await fn();
      calls += every;
      now = performance.now();
    }
  } else {
    while (now - start < ms) {
      for (let i = 0; i < every; i++) fn();
      calls += every;
      now = performance.now();
    }
  }
  if (cpuStart === undefined) return { calls, ms: now - start };
  const used = process.cpuUsage(cpuStart);
  return { calls, ms: (used.user + used.system) / 1000 };
}

function isThenable(value: unknown): boolean {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

export function printTable(title: string, rows: readonly BenchRow[]): void {
  const width = Math.max(...rows.map((r) => r.name.length), 4);
  console.log(`\n### ${title}\n`);
  console.log(`| ${'case'.padEnd(width)} | ops/s        | time vs first |`);
  console.log(`| ${'-'.repeat(width)} | ------------ | ------------- |`);
  for (const r of rows) {
    console.log(
      `| ${r.name.padEnd(width)} | ${Math.round(r.opsPerSec).toLocaleString('en-US').padStart(12)} | ${r.ratio.toFixed(2).padStart(12)}× |`,
    );
  }
}

/**
 * p50 and p99 of each case over `blocks` × `count` calls (6 × 5000), interleaved (so that all see the same
 * moments of a shared machine), printed as a table with each p99 against the first case's: over
 * all the calls, and each block's on its own. A p99 is the tail of a few dozen calls, so one
 * block's ratio moves by ±15% when both cases are the same client (measured: 0.84–1.06×); the
 * blocks show that spread. The order of the cases turns round every call: how long a round trip
 * waits to be woken depends on what ran just before it (a VM's halt polling adapts), and a case
 * that always followed another was measured for both. The first `warmUp` calls are not counted.
 */
export async function latencyTable(
  title: string,
  cases: readonly { name: string; fn: () => Promise<unknown> }[],
  { count = 5000, blocks = 6, warmUp = 200 } = {},
): Promise<void> {
  const samples = cases.map(() => [] as number[][]);
  for (let block = 0; block < blocks; block++) {
    for (const s of samples) s.push([]);
    for (let i = block === 0 ? -warmUp : 0; i < count; i++) {
      for (let k = 0; k < cases.length; k++) {
        const j = (k + i + warmUp) % cases.length;
        const c = cases[j] as (typeof cases)[number];
        const started = performance.now();
        await c.fn();
        if (i >= 0) samples[j]?.[block]?.push(performance.now() - started);
      }
    }
  }
  const q = (s: readonly number[], p: number) => [...s].sort((a, b) => a - b)[Math.floor(s.length * p)] as number;
  const first = samples[0] as number[][];
  console.log(`\n### ${title}, ${blocks} × ${count} each, interleaved\n`);
  console.log('| case | p50 ms | p99 ms | p99 vs first | each block |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const [j, c] of cases.entries()) {
    const mine = samples[j] as number[][];
    const all = mine.flat();
    const ratio = q(all, 0.99) / q(first.flat(), 0.99);
    const each = mine.map((b, i) => (q(b, 0.99) / q(first[i] as number[], 0.99)).toFixed(2)).join(', ');
    console.log(
      `| ${c.name} | ${q(all, 0.5).toFixed(3)} | ${q(all, 0.99).toFixed(3)} | ${ratio.toFixed(2)}× | ${each} |`,
    );
  }
}
