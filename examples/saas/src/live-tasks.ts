import type { Keel, Messaging } from '@keel/core';
import { fanOutEvents, type StoredEvent, type Subscription } from '@keel/events';
import { createRealtimeHandler, type RealtimeHandler } from '@keel/realtime';
import type { AppEvents, TaskCompletedData } from './app-events.js';
import { pollInterval } from './app-events.js';
import type { Sessions } from './session.js';
import type { Store } from './store.js';

/** What a workspace's live page receives on `workspace.<id>.tasks`. */
export type LiveTaskMessage =
  | { readonly type: 'created'; readonly task: { readonly id: number; readonly title: string } }
  | { readonly type: 'completed'; readonly taskId: number };

/** The subject of a workspace's task changes. */
export const tasksSubject = (workspaceId: number) => `workspace.${workspaceId}.tasks`;

/**
 * Relays the domain events `TaskCreated` and `TaskCompleted` (committed with their change) to
 * messaging, where the live pages of every process read them: `@keel/events`' fan-out, one group
 * for all processes, each event published once (a republish carries the event id as `messageId`).
 *
 * @example
 * const relay = relayTaskEvents(events, keel.messaging, { pollIntervalMs: 200 }); // ... await relay.stop();
 */
export function relayTaskEvents(
  events: AppEvents,
  messaging: Messaging,
  options: { readonly pollIntervalMs?: number } = {},
): Subscription {
  return fanOutEvents(events, messaging, {
    types: ['TaskCreated', 'TaskCompleted'],
    group: 'live-tasks',
    subject: (event) => {
      const live = toLive(event);
      return live && tasksSubject(live.workspaceId);
    },
    encode: (event) => JSON.stringify(toLive(event)?.message),
    ...pollInterval(options),
  });
}

/**
 * `GET /api/live?subject=workspace.<id>.tasks`: the Server-Sent Events stream of the workspaces
 * the signed-in user belongs to (401 signed out, 403 for any other workspace).
 */
export function createLiveEndpoint(keel: Keel, sessions: Sessions, store: Store): RealtimeHandler {
  return createRealtimeHandler({
    messaging: keel.messaging,
    // The streams' consumers are recorded here, so that those of a process that died are swept.
    kv: keel.kv,
    observability: keel.observability,
    authorize: async (req) => {
      const principal = await sessions.optional(req);
      if (!principal) return { refuse: 401, message: 'Sign in first' };
      const workspaces = await store.workspacesOf(principal.userId);
      return { user: principal.userId, subjects: workspaces.map((w) => `workspace.${w.id}.>`) };
    },
  });
}

function toLive(event: StoredEvent): { workspaceId: number; message: LiveTaskMessage } | undefined {
  if (event.type === 'TaskCompleted') {
    const { workspaceId, taskId } = event.data as TaskCompletedData;
    return { workspaceId, message: { type: 'completed', taskId } };
  }
  // A repository change: the task's row, in the workspace that is the change's tenant.
  const { entity } = event.data as { entity: { id: number; title: string } };
  const workspaceId = Number(event.metadata.tenantId);
  if (!Number.isInteger(workspaceId)) return undefined;
  return { workspaceId, message: { type: 'created', task: { id: entity.id, title: entity.title } } };
}
