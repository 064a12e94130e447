// The consumer process of the kill test (see runKillConsumer), on Redis Streams.
import { runKillConsumer } from '@keel/testing/messaging-child';
import { createRedisMessaging } from '../../src/index.js';

const { url, keyPrefix, subject, consumer } = JSON.parse(process.argv[2] as string) as Record<string, string>;
await runKillConsumer(createRedisMessaging({ url, keyPrefix }), subject as string, consumer as string);
