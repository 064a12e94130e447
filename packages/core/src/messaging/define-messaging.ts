import { errAsync } from 'neverthrow';
import { toInterfaceError } from '../errors/to-interface-error.js';
import { adapterLifecycle } from '../lifecycle/adapter-lifecycle.js';
import { guardedCall, type GuardErrors } from '../lifecycle/guarded-call.js';
import { Lifecycle } from '../lifecycle/lifecycle.js';
import type { MaybePromise } from '../lifecycle/promise-like.js';
import type { Messaging, MessagingHeader, MessagingOperations, PullOptions } from './messaging-contract.js';
import { messagingChecks } from './messaging-checks.js';
import type { MessagingDriver } from './messaging-driver.js';
import { MessagingError } from './messaging-errors.js';
import { pushDelivery } from './messaging-subscribe.js';

const noHeaders: readonly MessagingHeader[] = Object.freeze([]);

/**
 * Wraps a messaging driver in core's guard and returns the `Messaging` callers use: every
 * argument is checked (wrong JavaScript types throw `TypeError`; bad values are `Err`), the
 * lifecycle is enforced, anything the driver throws becomes an `Err`, and `subscribe` and
 * `messages` are built on the driver's `pull`. Closing ends waiting pulls and subscriptions.
 *
 * @example
 * export function createMyMessaging(options: MyMessagingOptions): Messaging {
 *   return defineMessaging({ adapter: 'my', capabilities, publish, ensureConsumer, deleteConsumer, pull, ack, nak });
 * }
 */
export function defineMessaging(driver: MessagingDriver): Messaging {
  const adapter = driver.adapter;
  const capabilities = Object.freeze({ ...driver.capabilities });
  const check = messagingChecks(adapter, capabilities);
  const closing = new AbortController();
  const lifecycle = new Lifecycle(
    () => driver.open?.(),
    () => driver.close?.(),
  );
  const errors: GuardErrors<MessagingError> = {
    fromThrown: (thrown, op) => toInterfaceError(MessagingError, 'messaging', thrown, adapter, op),
    notOpen: (op) =>
      new MessagingError({ code: 'NOT_OPEN', message: `messaging adapter '${adapter}' is closed`, adapter, op }),
  };
  const guard = <T>(problem: MessagingError | undefined, op: string, fn: () => MaybePromise<T>, subject?: string) =>
    problem ? errAsync(problem) : guardedCall(lifecycle, errors, op, fn, subject);

  const pullWith = (subject: string, consumer: string, options: PullOptions, signal?: AbortSignal) => {
    if (typeof options !== 'object' || options === null)
      throw new TypeError('messaging.pull: options must be an object');
    const request = check.pull(subject, consumer, options);
    if (request instanceof MessagingError) return errAsync(request);
    const both = signal ? AbortSignal.any([signal, closing.signal]) : closing.signal;
    return guardedCall(lifecycle, errors, 'pull', () => driver.pull({ ...request, signal: both }), subject);
  };

  const operations: MessagingOperations = {
    publish(subject, data, options = {}) {
      const headers = options.headers ?? [];
      const body = check.publish(subject, data, headers, options.messageId);
      if (body instanceof MessagingError) return errAsync(body);
      const frozen =
        headers.length === 0
          ? noHeaders
          : Object.freeze(headers.map(({ name, value }) => Object.freeze({ name, value })));
      return guardedCall(
        lifecycle,
        errors,
        'publish',
        () => driver.publish(subject, body, frozen, options.messageId),
        subject,
      );
    },
    ensureConsumer(config) {
      const resolved = check.consumerConfig(config);
      if (resolved instanceof MessagingError) return errAsync(resolved);
      return guardedCall(lifecycle, errors, 'ensureConsumer', () => driver.ensureConsumer(resolved), resolved.subject);
    },
    deleteConsumer: (subject, consumer) =>
      guard(
        check.subject('deleteConsumer', subject) ?? check.consumer('deleteConsumer', consumer, subject),
        'deleteConsumer',
        () => driver.deleteConsumer(subject, consumer),
        subject,
      ),
    pull: (subject, consumer, options = {}) => pullWith(subject, consumer, options),
    ack: (token) => guard(check.token('ack', token), 'ack', () => driver.ack(token)),
    nak: (token, delayMs) =>
      guard(check.token('nak', token) ?? check.delay(delayMs), 'nak', () => driver.nak(token, delayMs ?? 0)),
  };
  const push = pushDelivery(pullWith, operations);
  const lifecycleMembers = adapterLifecycle(adapter, lifecycle, errors, () => driver.health?.());
  const close = () => {
    // Waiting pulls count as calls in flight: end them first, or close would wait them out.
    closing.abort();
    return lifecycle.close();
  };
  const messaging: Messaging = {
    adapter,
    capabilities,
    ...operations,
    subscribe: push.subscribe,
    messages: push.messages,
    ...lifecycleMembers,
    close,
    [Symbol.asyncDispose]: close,
  };
  return Object.freeze(messaging);
}
