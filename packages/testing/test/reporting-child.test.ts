import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnReportingChild } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'keel-reporting-child-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A worker whose queue is a file: it reports `start job` once the file exists, and exits at once
// when told to (`exit` in its config).
const worker = join(dir, 'worker.mjs');
writeFileSync(
  worker,
  `import { existsSync } from 'node:fs';
const { queue, exit } = JSON.parse(process.argv[2]);
process.stdout.write('ready\\n');
if (exit) process.exit(3);
const poll = setInterval(() => {
  if (existsSync(queue)) {
    clearInterval(poll);
    process.stdout.write('start job\\n');
    setInterval(() => {}, 1000);
  }
}, 20);
`,
);

describe('a reporting child', () => {
  it('waits for work, topping the queue up after each idle spell, until work is in flight', async () => {
    const queue = join(dir, 'queue');
    const child = spawnReportingChild(worker, { queue });
    let topUps = 0;
    const working = await child.untilWorking(async () => {
      topUps++;
      // The first idle spell finds the queue dry and leaves it; the second fills it.
      if (topUps === 2) writeFileSync(queue, '1');
    }, 300);
    expect(working).toBe(true);
    expect(topUps).toBe(2);
    expect([...child.inFlight]).toEqual(['job']);
    expect(existsSync(queue)).toBe(true);
    child.process.kill('SIGKILL');
    await child.exited;
  });

  it('stops waiting when the child exits', async () => {
    const child = spawnReportingChild(worker, { queue: join(dir, 'never'), exit: true });
    expect(await child.untilWorking(async () => undefined, 100)).toBe(false);
    expect(await child.exited).toBe(3);
  });

  it('stops waiting when the child is killed, with a signal and no exit code', async () => {
    const child = spawnReportingChild(worker, { queue: join(dir, 'never') });
    await child.ready;
    const waited = child.untilWorking(async () => undefined, 100);
    child.process.kill('SIGKILL');
    expect(await waited).toBe(false);
    expect(await child.exited).toBe(null);
  });
});
