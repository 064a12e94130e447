import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

/** The machine's NATS, shared by stream name and subject prefix. */
export interface TestNats {
  readonly url: string;
  /** A stream and subject prefix no other test uses (random suffix). */
  stream(label?: string): { stream: string; subjectPrefix: string };
  /** Deletes every stream handed out (their consumers go with them). */
  cleanup(): Promise<void>;
}

let counter = 0;

/**
 * The NATS tests use: `KEEL_TEST_NATS_URL`, else `nats://127.0.0.1:4222`, with JetStream on.
 * Without it the tests skip with the reason, except under `CI`, where that is a failure.
 */
export async function testNats(): Promise<
  { server: TestNats; skip?: undefined } | { server?: undefined; skip: string }
> {
  const url = process.env.KEEL_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
  try {
    const nc = await connect({ servers: url, timeout: 2000 });
    await (await jetstreamManager(nc, { timeout: 2000 })).getAccountInfo().finally(() => nc.close());
  } catch (thrown) {
    const reason = `no NATS with JetStream at ${url} (${(thrown as Error).message}); set KEEL_TEST_NATS_URL`;
    if (process.env.CI) throw new Error(`CI needs this server: ${reason}`);
    return { skip: reason };
  }
  const created: string[] = [];
  const suffix = Math.random().toString(36).slice(2, 8);
  return {
    server: {
      url,
      stream(label = 'msg') {
        const name = `keel-test-${label}-${process.pid}-${suffix}-${counter++}`;
        created.push(name);
        return { stream: name, subjectPrefix: name.replaceAll('-', '_') };
      },
      async cleanup() {
        const nc = await connect({ servers: url });
        const jsm = await jetstreamManager(nc);
        await Promise.all(created.splice(0).map((name) => jsm.streams.delete(name).catch(() => false)));
        await nc.close();
      },
    },
  };
}
