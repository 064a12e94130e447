// A process serving SSE streams, killed by the sweep test: its handler records its streams in
// Redis kv and reads messaging on Redis or NATS. Prints `port <n>` once it listens.
import { createRedisKv } from '@keel/adapter-kv-redis';
import { createNatsMessaging } from '@keel/adapter-messaging-nats';
import { createRedisMessaging } from '@keel/adapter-messaging-redis';
import type { Messaging } from '@keel/core';
import { startFixture } from './fixture.js';

export interface StreamChildConfig {
  readonly messaging:
    | { readonly kind: 'redis'; readonly url: string; readonly keyPrefix: string }
    | {
        readonly kind: 'nats';
        readonly url: string;
        readonly stream: string;
        readonly subjectPrefix: string;
      };
  readonly kv: { readonly url: string; readonly keyPrefix: string };
  readonly leaseMs: number;
}

const config = JSON.parse(process.argv[2] as string) as StreamChildConfig;
const { kind, ...messagingOptions } = config.messaging;
const messaging: Messaging =
  kind === 'redis'
    ? createRedisMessaging(messagingOptions as { url: string; keyPrefix: string })
    : createNatsMessaging({
        ...(messagingOptions as { url: string; stream: string; subjectPrefix: string }),
        storage: 'memory',
      });
(await messaging.open())._unsafeUnwrap();
const kv = createRedisKv(config.kv);
(await kv.open())._unsafeUnwrap();
const fixture = await startFixture(messaging, { kv, leaseMs: config.leaseMs });
process.stdout.write(`port ${new URL(fixture.base).port}\n`);
