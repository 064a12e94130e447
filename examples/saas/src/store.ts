import { err, ok, type Result, type Sql, type SqlTransaction } from '@keel/core';
import type { EmailError, EmailMessage, SqlError } from '@keel/core';
import type { EventsError } from '@keel/events';
import type { AuditRecord, FieldChanges, RepositoryError } from '@keel/repository';
import type { AppEvents } from './app-events.js';
import { HttpError, unwrap } from './http-errors.js';
import type { MailStore } from './mail-store.js';
import type { StoredTask, TaskRepository } from './task-repository.js';
import { memberId, type StoredWorkspace, type WorkspaceRepositories } from './workspace-repository.js';

/** Who a completed task's mail goes to. */
export interface Notify {
  readonly userId: string;
  readonly email: string;
}

/** One audit record of a task, as `GET /api/workspaces/:id/audit` and the page show it. */
export interface TaskAuditEntry {
  readonly taskId: number;
  readonly operation: string;
  readonly version: number;
  /** The user id who made the change. */
  readonly actor: string | null;
  readonly at: number;
  /** `{ field: { old, new } }`, in JSON form. */
  readonly changes: FieldChanges;
}

export interface Workspace {
  readonly id: number;
  readonly name: string;
  readonly plan: string;
}

export interface Task {
  readonly id: number;
  readonly workspaceId: number;
  readonly title: string;
  readonly done: boolean;
  readonly createdAt: number;
  readonly completedAt: number | null;
}

/** The repositories the store works on: the tasks and the workspaces' three. */
export interface StoreRepositories extends WorkspaceRepositories {
  readonly tasks: TaskRepository;
}

/** Tries of a transaction that lost a race (`CONFLICT`, `DUPLICATE`): each retry reads what the winner wrote. */
const raceAttempts = 10;

/**
 * The example's data, all through repositories (no SQL here): workspaces, members and first
 * sign-ins (`workspace-repository.ts`), tasks (`task-repository.ts`). Task methods run in the
 * request's context (`runInContext`), whose tenant is the workspace id: the task repository limits
 * every read and write to it. A completion publishes `TaskCompleted` in its transaction (`events`).
 *
 * @example
 * const store = createStore(keel.sql, mail, { tasks, ...createWorkspaceRepositories(keel.sql) }, events);
 * const workspace = await store.createWorkspace(userId, 'Acme');
 */
export function createStore(sql: Sql, mail: MailStore, repos: StoreRepositories, events: AppEvents) {
  const { tasks, workspaces, members, firstSignIns } = repos;

  // Creates the workspace and its owner; with `welcome`, enqueues that mail as the owner's in the
  // same transaction. `onlyFirst`: nothing when the user is a member of a workspace already.
  const insertWorkspace = (
    tx: SqlTransaction,
    userId: string,
    name: string,
    welcome: EmailMessage | undefined,
    onlyFirst: boolean,
  ): Promise<Result<Workspace | undefined, RepositoryError | EmailError | SqlError>> =>
    (async () => {
      if (onlyFirst) {
        // The marker's id lets one of two concurrent first sign-ins through, in any process; a
        // member without a marker signed in before it existed.
        const marked = await firstSignIns.create({ userId }, { tx });
        if (marked.isErr()) return marked.error.code === 'DUPLICATE' ? ok(undefined) : err(marked.error);
        const member = await members.findMany({ where: { userId }, limit: 1, tx });
        if (member.isErr()) return err(member.error);
        if (member.value.items.length > 0) return ok(undefined);
      }
      // Ids are 1, 2, … in creation order: the last one + 1. Two processes may pick the same
      // one: the second create waits for the first transaction and is DUPLICATE, then (below)
      // the whole transaction runs again and reads the id the first one took.
      const last = await workspaces.findMany({ orderBy: { field: 'id', direction: 'desc' }, limit: 1, tx });
      if (last.isErr()) return err(last.error);
      const id = (last.value.items[0]?.id ?? 0) + 1;
      const created = await workspaces.create({ id, name, plan: 'free', taskCount: 0 }, { tx });
      if (created.isErr()) return err(created.error);
      const owner = await members.create({ id: memberId(id, userId), workspaceId: id, userId, role: 'owner' }, { tx });
      if (owner.isErr()) return err(owner.error);
      if (welcome) {
        const queued = await mail.enqueueIn(tx, userId, welcome);
        if (queued.isErr()) return err(queued.error);
      }
      return ok(toWorkspace(created.value));
    })();

  /** Runs `fn` in a transaction, again while it loses a race (`CONFLICT` or `DUPLICATE`) to another writer. */
  const retryingRaces = async <T, E extends { readonly code: string; readonly message: string } | HttpError>(
    fn: (tx: SqlTransaction) => Promise<Result<T, E>>,
  ): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      const done = await sql.transaction<T, E>(fn);
      const lost = done.isErr() && (done.error.code === 'CONFLICT' || done.error.code === 'DUPLICATE');
      if (!lost || attempt === raceAttempts) return unwrap(done);
    }
  };

  /** Every page of a `findMany`. */
  const allPages = async <T>(
    read: (after: string | undefined) => PromiseLike<Result<{ items: T[]; next?: string }, RepositoryError>>,
  ): Promise<T[]> => {
    const all: T[] = [];
    let after: string | undefined;
    do {
      const page = await unwrap(read(after));
      all.push(...page.items);
      after = page.next;
    } while (after);
    return all;
  };

  return {
    /** Creates a workspace owned by `userId`. */
    async createWorkspace(userId: string, name: string): Promise<Workspace> {
      return (await retryingRaces((tx) => insertWorkspace(tx, userId, name, undefined, false))) as Workspace;
    },

    /**
     * The user's first workspace, with the `welcome` mail enqueued in the same transaction; `undefined`
     * (and no mail) when the user already has one.
     */
    async createFirstWorkspace(userId: string, name: string, welcome: EmailMessage): Promise<Workspace | undefined> {
      const workspace = await retryingRaces((tx) => insertWorkspace(tx, userId, name, welcome, true));
      if (workspace) mail.wake();
      return workspace;
    },

    async workspacesOf(userId: string): Promise<Workspace[]> {
      const memberships = await allPages((after) =>
        members.findMany({ where: { userId }, limit: 1000, ...(after ? { after } : {}) }),
      );
      if (memberships.length === 0) return [];
      const ids = memberships.map((m) => m.workspaceId);
      const found = await allPages((after) =>
        workspaces.findMany({ where: { id: { in: ids } }, limit: 1000, ...(after ? { after } : {}) }),
      );
      return found.map(toWorkspace);
    },

    /** Adds `userId` to the workspace, by its owner `ownerId` (404 for a non-member, 403 for a member); idempotent. */
    async addMember(ownerId: string, workspaceId: number, userId: string): Promise<void> {
      const owner = await members.findById(memberId(workspaceId, ownerId));
      if (owner.isErr() && owner.error.code === 'NOT_FOUND')
        throw new HttpError(404, 'NOT_FOUND', `No workspace ${workspaceId}`);
      if ((await unwrap(owner)).role !== 'owner') throw new HttpError(403, 'FORBIDDEN', 'Only the owner adds members');
      const added = await members.create({ id: memberId(workspaceId, userId), workspaceId, userId, role: 'member' });
      if (added.isErr() && added.error.code !== 'DUPLICATE') await unwrap(added);
    },

    /** The workspace if `userId` is a member; 404 otherwise (whether or not it exists). */
    async memberWorkspace(userId: string, workspaceId: number): Promise<Workspace> {
      const [member, workspace] = await Promise.all([
        members.findById(memberId(workspaceId, userId)),
        workspaces.findById(workspaceId),
      ]);
      for (const found of [member, workspace]) {
        if (found.isErr() && found.error.code === 'NOT_FOUND')
          throw new HttpError(404, 'NOT_FOUND', `No workspace ${workspaceId}`);
      }
      await unwrap(member);
      return toWorkspace(await unwrap(workspace));
    },

    /** The workspace's tasks, by id. Runs in the request's context: the tenant is the workspace. */
    async tasks(workspaceId: number): Promise<Task[]> {
      const all = await allPages((after) =>
        tasks.findMany({ orderBy: { field: 'id' }, limit: 1000, ...(after ? { after } : {}) }),
      );
      return all.map((t) => toTask(t, workspaceId));
    },

    /** The audit trail of the workspace's tasks, newest first: who changed what, when. */
    async taskAudit(limit = 50): Promise<TaskAuditEntry[]> {
      // `audit` reads oldest first, in pages after an id; the trail of one workspace stays small.
      const records: AuditRecord[] = [];
      let afterId: number | undefined;
      for (;;) {
        const page = await unwrap(tasks.audit({ limit: 1000, ...(afterId ? { afterId } : {}) }));
        records.push(...page);
        if (page.length < 1000) break;
        afterId = page[page.length - 1]?.id;
      }
      return records
        .slice(-limit)
        .reverse()
        .map((r) => ({
          taskId: Number(r.entityId),
          operation: r.operation,
          version: r.version,
          actor: r.actor ?? null,
          at: r.at.getTime(),
          changes: r.changes,
        }));
    },

    /**
     * Inserts a task when `allow(taskCount)` says so, counting and inserting in one transaction
     * so that two concurrent creations cannot both pass the plan limit.
     */
    async createTask(
      workspaceId: number,
      userId: string,
      title: string,
      allow: (taskCount: number) => Promise<HttpError | undefined>,
    ): Promise<Task> {
      // The counter, not a count of the tasks: constant time however many the workspace holds.
      // Tasks are never deleted today; a delete must decrement it in its own transaction. The
      // counter is written with the version read, so of two concurrent creations (any process)
      // one is CONFLICT and runs again, counting after the other. The new count is the task's id.
      return retryingRaces<Task, HttpError | RepositoryError>(async (tx) => {
        const workspace = await workspaces.findById(workspaceId, { tx });
        if (workspace.isErr()) return err(workspace.error);
        const count = workspace.value.taskCount;
        const refused = await allow(count);
        if (refused) return err(refused);
        const bumped = await workspaces.update(
          workspaceId,
          { taskCount: count + 1 },
          { tx, expectedVersion: workspace.value.version },
        );
        if (bumped.isErr()) return err(bumped.error);
        const id = count + 1;
        const inserted = await tasks.create({ id, title, done: false, createdBy: userId, completedAt: null }, { tx });
        return inserted.isErr() ? err(inserted.error) : ok(toTask(inserted.value, workspaceId));
      });
    },

    /**
     * Marks the task done (once: a second call changes nothing) and, in the same transaction,
     * publishes `TaskCompleted`, whose handler mails `notify` about it (`app-events.ts`).
     */
    async completeTask(workspaceId: number, taskId: number, notify: Notify): Promise<Task> {
      // Two completions at once (two processes) read the same version; the second write is a
      // CONFLICT and its transaction rolls back, event included: read again, and find it done.
      return retryingRaces((tx) => this.completeTaskIn(tx, workspaceId, taskId, notify));
    },

    /**
     * `completeTask` inside the caller's transaction: rolled back with it, the event included (an
     * event exists if and only if the completion committed).
     */
    async completeTaskIn(
      tx: SqlTransaction,
      workspaceId: number,
      taskId: number,
      notify: Notify,
    ): Promise<Result<Task, RepositoryError | EventsError | HttpError>> {
      const found = await tasks.findById(taskId, { tx });
      if (found.isErr()) {
        return err(
          found.error.code === 'NOT_FOUND'
            ? new HttpError(404, 'NOT_FOUND', `No task ${taskId} in workspace ${workspaceId}`)
            : found.error,
        );
      }
      if (found.value.done) return ok(toTask(found.value, workspaceId));
      const updated = await tasks.update(
        taskId,
        { done: true, completedAt: new Date() },
        { tx, expectedVersion: found.value.version },
      );
      if (updated.isErr()) return err(updated.error);
      const published = await events.publish(tx, {
        type: 'TaskCompleted',
        aggregateId: `${workspaceId}:${taskId}`,
        data: { workspaceId, taskId, title: updated.value.title, ...notify },
      });
      return published.isErr() ? err(published.error) : ok(toTask(updated.value, workspaceId));
    },
  };
}

export type Store = ReturnType<typeof createStore>;

function toWorkspace(workspace: StoredWorkspace): Workspace {
  return { id: workspace.id, name: workspace.name, plan: workspace.plan };
}

function toTask(task: StoredTask, workspaceId: number): Task {
  return {
    id: task.id,
    workspaceId,
    title: task.title,
    done: task.done,
    createdAt: task.createdAt.getTime(),
    completedAt: task.completedAt ? task.completedAt.getTime() : null,
  };
}
