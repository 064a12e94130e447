// A consumer process for the kill test: pulls one message at a time, "works" on it for a
// random moment, acknowledges it, and reports each step on stdout as `<step> <position> <deliveries>`.
import { createNatsMessaging } from '../../src/index.js';

const { url, stream, subjectPrefix, subject, consumer } = JSON.parse(process.argv[2] as string) as Record<
  string,
  string
>;
const messaging = createNatsMessaging({ url, stream, subjectPrefix });
const say = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

(await messaging.open())._unsafeUnwrap();
say('ready');
for (;;) {
  const pulled = await messaging.pull(subject as string, consumer as string, { waitMs: 1000 });
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
