import type { ResolvedConsumerConfig } from '@keel/core/adapter';
import { AckPolicy, type ConsumerConfig, type ConsumerInfo, type JetStreamManager } from '@nats-io/jetstream';
import { deliverPolicy, durableName } from './nats-messaging-names.js';

/** What a pull needs to know of a consumer beyond what JetStream keeps. */
export interface ConsumerSettings {
  readonly ackWaitMs: number;
  readonly maxDeliveries: number | undefined;
  readonly deadLetterSubject: string | undefined;
}

/** Settings read from the server are trusted this long: another process may change them. */
const FRESH_MS = 1000;

/**
 * The adapter's consumers on its stream. JetStream keeps the position, ack wait and delivery
 * count; Keel's delivery limit and dead-letter subject ride in the consumer's description (JSON),
 * so every member reads the same. JetStream's own `max_deliver` is one more than Keel's limit:
 * the delivery past the limit is the one the receiving member gives up (dead letter, then
 * `+TERM`), and after it the server delivers the message no more, even when that member dies.
 */
export function consumerStore(jsm: () => JetStreamManager, stream: string, wire: (subject: string) => string) {
  const cache = new Map<string, { settings: ConsumerSettings; at: number }>();
  // Bumped by each change made here (ensure, delete, forget): settings read from the server
  // before one landed are not remembered over it.
  let changes = 0;

  const remember = (durable: string, settings: ConsumerSettings) => cache.set(durable, { settings, at: Date.now() });
  const drop = (durable: string) => {
    changes++;
    return cache.delete(durable);
  };
  /** The consumer's settings when read within `FRESH_MS`, without a wait; otherwise undefined. */
  const cached = (durable: string): ConsumerSettings | undefined => {
    const known = cache.get(durable);
    return known && Date.now() - known.at < FRESH_MS ? known.settings : undefined;
  };

  return {
    /** Creates the durable, or updates an existing one's settings; true when it was created. */
    async ensure(config: ResolvedConsumerConfig): Promise<boolean> {
      const { subject, name, start, ackWaitMs, maxDeliveries, deadLetterSubject } = config;
      const durable = durableName(subject, name);
      const settings = {
        ack_wait: ackWaitMs * 1_000_000,
        max_deliver: maxDeliveries === undefined ? -1 : maxDeliveries + 1,
        description: JSON.stringify({ subject, consumer: name, maxDeliveries, deadLetterSubject }),
      };
      const existing = await info(durable);
      if (existing) await jsm().consumers.update(stream, durable, settings);
      else {
        const created: Partial<ConsumerConfig> = {
          durable_name: durable,
          ack_policy: AckPolicy.Explicit,
          filter_subject: wire(subject),
          ...deliverPolicy(start, subject),
          ...settings,
        };
        await jsm().consumers.add(stream, created);
      }
      changes++;
      remember(durable, { ackWaitMs, maxDeliveries, deadLetterSubject });
      return existing === undefined;
    },

    async delete(durable: string): Promise<boolean> {
      drop(durable);
      if (!(await info(durable))) return false;
      return jsm().consumers.delete(stream, durable);
    },

    cached,

    /** The consumer's settings; throws JetStream's "consumer not found" when it has none. */
    async settings(durable: string, fresh = false): Promise<ConsumerSettings> {
      const known = fresh ? undefined : cached(durable);
      if (known) return known;
      const before = changes;
      const found = await jsm().consumers.info(stream, durable);
      const settings = settingsOf(found);
      if (changes === before) remember(durable, settings);
      return settings;
    },

    forget: drop,
  };

  async function info(durable: string): Promise<ConsumerInfo | undefined> {
    try {
      return await jsm().consumers.info(stream, durable);
    } catch (thrown) {
      if ((thrown as { code?: unknown }).code === 10014) return undefined;
      throw thrown;
    }
  }
}

function settingsOf(info: ConsumerInfo): ConsumerSettings {
  const ackWaitMs = Math.round((info.config.ack_wait ?? 30_000_000_000) / 1_000_000);
  try {
    const keel = JSON.parse(info.config.description ?? '') as Partial<ConsumerSettings>;
    return { ackWaitMs, maxDeliveries: keel.maxDeliveries, deadLetterSubject: keel.deadLetterSubject };
  } catch {
    // Not made by this adapter: JetStream's own limit applies, and nothing is dead-lettered.
    return { ackWaitMs, maxDeliveries: undefined, deadLetterSubject: undefined };
  }
}
