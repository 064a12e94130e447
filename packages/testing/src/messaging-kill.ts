import { type ChildProcess, spawn } from 'node:child_process';
import type { Messaging } from '@keel/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleChild } from './bundle-child.js';
import { expectOk } from './expect-result.js';

export interface MessagingKillOptions {
  /** Shown in the test name. */
  readonly name: string;
  /** The written reason to skip (no server), or undefined to run. */
  readonly skip: string | undefined;
  /**
   * The consumer child: pulls one message at a time from `subject`/`consumer` of its argv's
   * JSON config, and reports `ready`, `got <position> <deliveries>`, `acking <position>` and
   * `acked <position> <true|false>` on stdout.
   */
  readonly child: URL;
  /** Packages the bundled child loads from node_modules (the driver). */
  readonly external: RegExp;
  /** The test's own client and the config a child gets (its server, key prefix or stream), one per run. */
  readonly setup: () => { messaging: Messaging; childConfig: Record<string, unknown> };
  readonly cleanup?: () => Promise<void>;
}

const KILLS = 12;
const MESSAGES = 40;
const ACK_WAIT_MS = 300;

/**
 * The kill test every durable messaging adapter runs: consumer children SIGKILLed a random
 * moment after they received a message. What a killed member held is redelivered to another
 * member, an acknowledged message never comes again, and none is lost. `child` is a script that
 * runs `runKillConsumer` (`@keel/testing/messaging-child`) with the adapter's messaging.
 *
 * @example
 * describeMessagingKill({ name: 'redis', skip: redis.skip, child: new URL('./support/consumer-child.ts', import.meta.url), external: /^ioredis$/, setup });
 */
export function describeMessagingKill(options: MessagingKillOptions): void {
  let child: Awaited<ReturnType<typeof bundleChild>> | undefined;
  describe.skipIf(options.skip)(`consumers under SIGKILL (${options.name})`, () => {
    beforeAll(async () => {
      child = await bundleChild(options.child, { external: options.external });
    });
    afterAll(async () => {
      child?.remove();
      await options.cleanup?.();
    });
    it(`redelivers what a killed member held to another, never what was acknowledged, and loses nothing (≥${KILLS} kills mid-message)`, async () => {
      const { messaging, childConfig } = options.setup();
      const config = { ...childConfig, subject: 'work', consumer: 'workers' };
      expectOk(await messaging.ensureConsumer({ subject: 'work', name: 'workers', ackWaitMs: ACK_WAIT_MS }));
      const published = new Set<string>();
      for (let i = 0; i < MESSAGES; i++) published.add(expectOk(await messaging.publish('work', `job ${i}`)).position);

      const events: Event[] = [];
      const file = (child as { file: string }).file;
      // Killed while it held a message it had not started to acknowledge: each must come again, elsewhere.
      const killedHolding: { position: string; pid: number; at: number }[] = [];
      // Killed with its ack in flight: acknowledged or not, the server knows; the end shows which.
      const ackRaced = new Set<string>();
      const problems: string[] = [];
      let kills = 0;
      const spawned: ReturnType<typeof spawnConsumer>[] = [];
      const start = () => {
        const c = spawnConsumer(file, config, events);
        spawned.push(c);
        return c;
      };
      try {
        // Members killed at a random moment after they received a message; what one held goes to
        // another member once the ack wait has passed.
        // The next member starts while this one works (a process takes about a second to be ready
        // on a busy machine), so two members share the consumer most of the time.
        let next = start();
        while (kills < KILLS) {
          const victim = next;
          next = start();
          // A queue run dry gets more work (each kill may consume a few messages), as often as the
          // other member takes it all.
          const got = () => Promise.race([victim.nextGot().then(() => 'got' as const), victim.exited]);
          await Promise.race([victim.ready, victim.exited]);
          let step = await Promise.race([got(), sleep(3000)]);
          while (step === undefined) {
            for (let i = 0; i < 10; i++) published.add(expectOk(await messaging.publish('work', `more ${i}`)).position);
            step = await Promise.race([got(), sleep(3000)]);
          }
          if (step !== 'got')
            throw new Error(`consumer ${victim.pid} exited before it got a message: ${victim.stderr()}`);
          await sleep(Math.random() * 40);
          victim.proc.kill('SIGKILL');
          await victim.exited;
          problems.push(victim.stderr());
          const last = events.filter((e) => e.pid === victim.pid).at(-1);
          if (last?.step === 'acking') ackRaced.add(last.position);
          if (last?.step === 'got') {
            kills++;
            killedHolding.push({ position: last.position, pid: victim.pid, at: events.indexOf(last) });
          }
        }
        // The last member drains: every message acknowledged, each held one after its ack wait.
        const steady = next;
        const acked = () => new Set(events.filter((e) => e.step === 'acked').map((e) => e.position));
        const until = Date.now() + 30_000;
        const settled = () => [...published].every((p) => acked().has(p) || ackRaced.has(p));
        while (!settled() && Date.now() < until) await sleep(50);
        // An ack in flight at a kill that did not land comes back after the ack wait: give it time.
        if ([...ackRaced].some((p) => !acked().has(p))) await sleep(ACK_WAIT_MS * 4);
        steady.proc.kill('SIGKILL');
        await steady.exited;
        problems.push(steady.stderr());
      } finally {
        for (const c of spawned) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
      }
      const acked = new Set(events.filter((e) => e.step === 'acked').map((e) => e.position));

      expect(problems.join('')).toBe('');
      // None lost: every published message was acknowledged, or its ack was in flight at a kill.
      expect([...published].filter((p) => !acked.has(p) && !ackRaced.has(p))).toEqual([]);
      for (const { position, pid, at } of killedHolding) {
        const again = events.slice(at + 1).find((e) => e.step === 'got' && e.position === position);
        expect(again, `message ${position} held by killed ${pid}`).toBeDefined();
        expect(again?.pid).not.toBe(pid);
        expect(again?.deliveries).toBeGreaterThanOrEqual(2);
      }
      // Never redelivered once acknowledged.
      events.forEach((e, i) => {
        if (e.step !== 'acked') return;
        const later = events.slice(i + 1).find((x) => x.step === 'got' && x.position === e.position);
        expect(later, `acknowledged ${e.position} came again`).toBeUndefined();
      });
      // And nothing is left: after the ack wait, no message is pending or unread (an ack that did
      // not land would show up here).
      await sleep(ACK_WAIT_MS + 200);
      expect(expectOk(await messaging.pull('work', 'workers', { maxMessages: 100, waitMs: 500 }))).toEqual([]);
      await messaging.close();
    }, 120_000);
  });
}

interface Event {
  readonly step: 'got' | 'acking' | 'acked';
  readonly position: string;
  readonly pid: number;
  readonly deliveries: number;
}

/** A consumer child and the events it reported, in the order they came. */
function spawnConsumer(file: string, config: object, events: Event[]) {
  const proc: ChildProcess = spawn(process.execPath, [file, JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = proc.pid as number;
  let buffered = '';
  let stderr = '';
  const waiting: (() => void)[] = [];
  let readyNow: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (readyNow = resolve));
  proc.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  proc.stdout?.on('data', (chunk: Buffer) => {
    const lines = (buffered + chunk.toString()).split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      const [step, position, third] = line.split(' ');
      if (step === 'ready') readyNow();
      else if (step === 'acked' && third !== 'true') stderr += `ack of ${position} said ${third}\n`;
      else events.push({ step: step as Event['step'], position: position as string, pid, deliveries: Number(third) });
      if (step === 'got') for (const wake of waiting.splice(0)) wake();
    }
  });
  const exited = new Promise<'exited'>((resolve) => proc.on('exit', () => resolve('exited')));
  return {
    proc,
    pid,
    ready,
    exited,
    nextGot: () => new Promise<void>((resolve) => waiting.push(resolve)),
    stderr: () => stderr,
  };
}

const sleep = (ms: number) => new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms));
