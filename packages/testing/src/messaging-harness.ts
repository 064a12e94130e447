import type { Messaging, MessagingCapabilities, ReceivedMessage } from '@keel/core';
import { expect } from 'vitest';
import { expectOk } from './expect-result.js';
import { Harness, type ConformanceOptions, type TestContext } from './harness.js';

export interface MessagingConformanceOptions extends ConformanceOptions<Messaging, MessagingCapabilities> {
  /**
   * Another client of the same broker as the instance built with `context` (the same
   * `context.id`): a second member of its consumer groups. Required when `consumerGroups`.
   */
  readonly member?: (context: TestContext) => Messaging | Promise<Messaging>;
}

const decoder = new TextDecoder();

/** The text of a message's data. */
export const textOf = (message: ReceivedMessage) => decoder.decode(message.data);

/** The harness of the messaging suite: instances, members, and pulling until enough has arrived. */
export class MessagingHarness extends Harness<Messaging, MessagingCapabilities> {
  constructor(override readonly options: MessagingConformanceOptions) {
    super(options);
  }

  async messaging(): Promise<{ messaging: Messaging; context: TestContext }> {
    const { instance, context } = await this.create();
    return { messaging: instance, context };
  }

  async member(context: TestContext): Promise<Messaging> {
    if (!this.options.member)
      throw new Error(`${this.options.name}: an adapter with consumerGroups must pass member to the conformance suite`);
    return this.adopt(await this.options.member(context));
  }

  /** A consumer with a short ack wait on the manual clock, a real-time one otherwise. */
  ackWaitMs(): number {
    return this.options.time === 'real' ? 300 : 1000;
  }

  /** Publishes each text in order and returns the receipts. */
  async publishAll(messaging: Messaging, subject: string, texts: readonly string[]) {
    const receipts = [];
    for (const text of texts) receipts.push(expectOk(await messaging.publish(subject, text)));
    return receipts;
  }

  /**
   * Pulls until `count` messages arrived (each pull waits a little), then once more at once to
   * see that nothing else is ready. Fails after ten seconds of pulls with what it got.
   */
  async pullCount(messaging: Messaging, subject: string, consumer: string, count: number): Promise<ReceivedMessage[]> {
    const got: ReceivedMessage[] = [];
    const until = Date.now() + 10_000;
    while (got.length < count && Date.now() < until) {
      got.push(...expectOk(await messaging.pull(subject, consumer, { maxMessages: count - got.length, waitMs: 200 })));
    }
    expect(got.map(textOf), `pulled ${got.length} of ${count}`).toHaveLength(count);
    return got;
  }

  /** A pull that returns at once; for checking nothing is ready. */
  async pullNow(messaging: Messaging, subject: string, consumer: string, max = 100): Promise<ReceivedMessage[]> {
    return [...expectOk(await messaging.pull(subject, consumer, { maxMessages: max }))];
  }
}
