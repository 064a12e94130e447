import { describeMessagingConformance, testNats } from '@keel/testing';
import { afterAll, describe, it } from 'vitest';
import { createNatsMessaging } from '../src/index.js';

const nats = await testNats();
const server = nats.server;

if (server === undefined) {
  describe.skip(`messaging conformance: nats — skipped: ${nats.skip}`, () => it('runs', () => undefined));
} else {
  const streams = new Map<string, { stream: string; subjectPrefix: string }>();
  // One stream per conformance instance; members and a reopen of the same id share it.
  const streamOf = (id: string) => streams.get(id) ?? (streams.set(id, server.stream('msg')).get(id) as never);
  const build = ({ id }: { id: string }) => createNatsMessaging({ url: server.url, ...streamOf(id) });
  afterAll(() => server.cleanup());
  describeMessagingConformance({
    name: 'nats',
    factory: build,
    member: build,
    reopen: build,
    capabilities: {
      durable: true,
      consumerGroups: true,
      replay: 'time',
      deduplication: true,
      deadLetter: true,
      maxMessageBytes: 1024 * 1024 - 4096,
    },
    time: 'real',
  });
}
