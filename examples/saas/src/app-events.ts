import type { Sql } from '@keel/core';
import { createEvents, type Events, type StoredEvent, type Subscription } from '@keel/events';
import * as v from 'valibot';
import { sender } from './auth-mail.js';
import type { MailStore } from './mail-store.js';

// What the repositories publish for every change (`<Entity>Created`, `…Updated`, `…Deleted`).
const RepositoryChange = v.object({
  operation: v.string(),
  entity: v.record(v.string(), v.unknown()),
  changes: v.record(v.string(), v.unknown()),
});

const TaskCompleted = v.object({
  workspaceId: v.number(),
  taskId: v.number(),
  title: v.string(),
  /** Who completed it, and where the mail goes. */
  userId: v.string(),
  email: v.string(),
});

/** The data of a `TaskCompleted` event. */
export type TaskCompletedData = v.InferOutput<typeof TaskCompleted>;

const change = { schema: RepositoryChange };
const types = {
  TaskCreated: change,
  TaskUpdated: change,
  TaskDeleted: change,
  WorkspaceCreated: change,
  WorkspaceUpdated: change,
  WorkspaceDeleted: change,
  // Published by the store in the transaction that marks the task done.
  TaskCompleted: { schema: TaskCompleted },
};

/**
 * The app's domain events on `@keel/events`, in the app's database: the repositories' changes and
 * `TaskCompleted`. Subscribers: the "task completed" mail (below) and the read cache's invalidation.
 *
 * @example
 * const events = createAppEvents(keel.sql, { onError: console.error });
 * await unwrap(events.migrate());
 * subscribeTaskCompletedMail(events, mail, { pollIntervalMs: 200 }); // ... await events.close();
 */
export function createAppEvents(sql: Sql, options: { readonly onError?: (error: Error) => void } = {}): AppEvents {
  return createEvents(sql, { types, ...(options.onError ? { onError: options.onError } : {}) });
}

export type AppEvents = Events;

/**
 * Mails "Task completed: …" to the user who completed a task, for each `TaskCompleted`, through the
 * app's outbox (as that user's mail). Delivery is at least once, so the mail is idempotent: the
 * handler is transactional (the outbox row and the group's checkpoint commit together), and its
 * idempotency key, the event's id, is one the mail store enqueues only once (a replay, a rewound
 * group). The outbox itself does not dedupe: it would store and send each copy with that key.
 */
export function subscribeTaskCompletedMail(
  events: AppEvents,
  mail: MailStore,
  options: { readonly pollIntervalMs?: number } = {},
): Subscription {
  return events.subscribe<TaskCompletedData>(
    'TaskCompleted',
    async (event: StoredEvent<TaskCompletedData>, { tx }) => {
      const { workspaceId, taskId, title, userId, email } = event.data;
      const message = {
        from: sender,
        to: [email],
        subject: `Task completed: ${title}`,
        text: `"${title}" (task ${taskId} of workspace ${workspaceId}) is done.\n`,
        idempotencyKey: `task-completed:${event.id}`,
      };
      if (!tx) throw new TypeError('subscribeTaskCompletedMail: expected a transactional delivery');
      // Sent by the outbox's next pass after the checkpoint's transaction commits (`outboxPollIntervalMs`).
      return mail.enqueueIn(tx, userId, message);
    },
    { group: 'task-completed-mail', transactional: true, ...pollInterval(options) },
  );
}

/** Subscription options' `pollIntervalMs` when given. */
export function pollInterval(options: { readonly pollIntervalMs?: number }) {
  return options.pollIntervalMs ? { pollIntervalMs: options.pollIntervalMs } : {};
}
