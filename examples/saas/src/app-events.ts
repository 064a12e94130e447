import type { Sql } from '@keel/core';
import { createEvents, type Events, type StoredEvent, type Subscription } from '@keel/events';
import * as v from 'valibot';
import type { Notifications } from '@keel/templates/notifications';

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
 * Notifies "task completed" to the user who completed a task, for each `TaskCompleted`: a mail
 * from the `task-completed` template through the app's outbox (as that user's mail), or, for a
 * user who chose the digest, one mail at the end of the day. Delivery is at least once, so the
 * notification is idempotent: the handler is transactional (the outbox row or the pending digest
 * item and the group's checkpoint commit together), and the mail's idempotency key, from the
 * event's id, is one the mail store enqueues only once (a replay, a rewound group).
 */
export function subscribeTaskCompletedMail(
  events: AppEvents,
  notifications: Notifications,
  options: { readonly pollIntervalMs?: number } = {},
): Subscription {
  return events.subscribe<TaskCompletedData>(
    'TaskCompleted',
    async (event: StoredEvent<TaskCompletedData>, { tx }) => {
      const { workspaceId, taskId, title, userId, email } = event.data;
      if (!tx) throw new TypeError('subscribeTaskCompletedMail: expected a transactional delivery');
      // Sent by the outbox's next pass after the checkpoint's transaction commits (`outboxPollIntervalMs`).
      return notifications.notify(tx, {
        userId,
        kind: 'task-completed',
        data: { title, taskId, workspaceId },
        recipient: { email },
        id: String(event.id),
      });
    },
    { group: 'task-completed-mail', transactional: true, ...pollInterval(options) },
  );
}

/** Subscription options' `pollIntervalMs` when given. */
export function pollInterval(options: { readonly pollIntervalMs?: number }) {
  return options.pollIntervalMs ? { pollIntervalMs: options.pollIntervalMs } : {};
}
