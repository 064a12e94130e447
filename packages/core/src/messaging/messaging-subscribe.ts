import type { ResultAsync } from 'neverthrow';
import type { PullOptions, ReceivedMessage } from './messaging-contract.js';
import type { MessagingError } from './messaging-errors.js';

/** Handles one message: returning (or resolving) acknowledges it; throwing asks for it again. */
export type MessageHandler = (message: ReceivedMessage) => unknown;

export interface MessagesOptions {
  /** Messages asked for per pull. @default 10 */
  readonly maxMessages?: number;
  /** How long each pull waits for a message, in ms. @default 5000 */
  readonly waitMs?: number;
  /** Ends the subscription or the iteration. */
  readonly signal?: AbortSignal;
  /**
   * Told of every failed pull (the loop waits, up to a second, and pulls again) and of every
   * handler that threw (with its message). Failures are never thrown at the subscriber.
   */
  readonly onError?: (error: unknown, message?: ReceivedMessage) => void;
}

export interface SubscribeOptions extends MessagesOptions {
  /** The `nak` delay for a message whose handler threw, in ms. @default 0 */
  readonly retryDelayMs?: number;
}

/** A running subscription. */
export interface Subscription {
  /** Stops pulling; resolves once the message being handled is settled. */
  stop(): Promise<void>;
  /** Resolves when the subscription has ended (stopped, aborted, or the adapter closed). */
  readonly done: Promise<void>;
}

type Pull = (
  subject: string,
  consumer: string,
  options: PullOptions,
  signal: AbortSignal,
) => ResultAsync<readonly ReceivedMessage[], MessagingError>;

interface Settle {
  ack(token: string): ResultAsync<boolean, MessagingError>;
  nak(token: string, delayMs: number): ResultAsync<boolean, MessagingError>;
}

/** Push delivery over `pull`: the same loop for `messages()` and `subscribe()`. */
export function pushDelivery(pull: Pull, settle: Settle) {
  async function* messages(
    subject: string,
    consumer: string,
    options: MessagesOptions = {},
  ): AsyncGenerator<ReceivedMessage> {
    const { maxMessages = 10, waitMs = 5000, signal, onError } = options;
    const stopped = signal ?? new AbortController().signal;
    let failures = 0;
    while (!stopped.aborted) {
      const result = await pull(subject, consumer, { maxMessages, waitMs }, stopped);
      if (result.isErr()) {
        // Bad arguments and a closed adapter will not get better by trying again.
        if (['NOT_OPEN', 'INVALID_SUBJECT', 'INVALID_ARGUMENT'].includes(result.error.code)) {
          onError?.(result.error);
          return;
        }
        onError?.(result.error);
        failures += 1;
        await pause(Math.min(50 * 2 ** failures, 1000), stopped);
        continue;
      }
      failures = 0;
      for (const message of result.value) yield message;
    }
  }

  function subscribe(
    subject: string,
    consumer: string,
    handler: MessageHandler,
    options: SubscribeOptions = {},
  ): Subscription {
    if (typeof handler !== 'function') throw new TypeError('messaging.subscribe: handler must be a function');
    const controller = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
    const { retryDelayMs = 0, onError } = options;
    const done = (async () => {
      for await (const message of messages(subject, consumer, { ...options, signal })) {
        let settled: ResultAsync<boolean, MessagingError>;
        try {
          await handler(message);
          settled = settle.ack(message.token);
        } catch (thrown) {
          onError?.(thrown, message);
          settled = settle.nak(message.token, retryDelayMs);
        }
        const outcome = await settled;
        if (outcome.isErr()) onError?.(outcome.error, message);
      }
    })();
    return {
      stop: async () => {
        controller.abort();
        await done;
      },
      done,
    };
  }
  return { messages, subscribe };
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
