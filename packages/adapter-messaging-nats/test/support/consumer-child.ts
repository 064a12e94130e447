// The consumer process of the kill test (see runKillConsumer), on NATS JetStream.
import { runKillConsumer } from '@keel/testing/messaging-child';
import { createNatsMessaging } from '../../src/index.js';

const { url, stream, subjectPrefix, subject, consumer } = JSON.parse(process.argv[2] as string) as Record<
  string,
  string
>;
await runKillConsumer(createNatsMessaging({ url, stream, subjectPrefix }), subject as string, consumer as string);
