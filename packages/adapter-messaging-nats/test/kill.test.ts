import { describeMessagingKill, testNats } from '@keel/testing';
import { createNatsMessaging } from '../src/index.js';

const nats = await testNats();

describeMessagingKill({
  name: 'nats',
  skip: nats.skip,
  child: new URL('./support/consumer-child.ts', import.meta.url),
  external: /^@nats-io\//,
  setup: () => {
    const server = nats.server as NonNullable<typeof nats.server>;
    const childConfig = { url: server.url, ...server.stream('kill') };
    return { messaging: createNatsMessaging(childConfig), childConfig };
  },
  cleanup: async () => nats.server?.cleanup(),
});
