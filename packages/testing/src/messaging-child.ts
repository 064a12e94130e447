import type { Messaging } from '@keel/core';

/**
 * The consumer process of `describeMessagingKill`, for an adapter's child script to run with its
 * own messaging: opens it, then pulls one message at a time, "works" on it for a random moment,
 * acknowledges it, and reports each step on stdout as `<step> <position> <deliveries>`. On its
 * own entry (`@keel/testing/messaging-child`) because the child is a plain process: the package's
 * main entry loads vitest.
 *
 * @example
 * // test/support/consumer-child.ts
 * const { url, subject, consumer } = JSON.parse(process.argv[2] as string) as Record<string, string>;
 * await runKillConsumer(createRedisMessaging({ url }), subject, consumer);
 */
export async function runKillConsumer(messaging: Messaging, subject: string, consumer: string): Promise<never> {
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  (await messaging.open())._unsafeUnwrap();
  say('ready');
  for (;;) {
    const pulled = await messaging.pull(subject, consumer, { waitMs: 1000 });
    if (pulled.isErr()) {
      process.stderr.write(`pull failed: ${pulled.error.message}\n`);
      process.exit(2);
    }
    for (const message of pulled.value) {
      say(`got ${message.position} ${message.deliveries}`);
      await sleep(20 + Math.random() * 60);
      say(`acking ${message.position}`);
      const acked = await messaging.ack(message.token);
      if (acked.isErr()) {
        process.stderr.write(`ack failed: ${acked.error.message}\n`);
        process.exit(2);
      }
      say(`acked ${message.position} ${acked.value}`);
    }
  }
}
