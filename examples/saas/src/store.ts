import {
  err,
  ok,
  rowsToObjects,
  type Result,
  type Sql,
  type SqlError,
  type SqlTransaction,
  type SqlValue,
} from '@keel/core';
import type { EmailError, EmailMessage } from '@keel/core';
import type { JobsError } from '@keel/jobs';
import type { AuditRecord, FieldChanges, RepositoryError } from '@keel/repository';
import { HttpError, unwrap } from './http-errors.js';
import type { AppJobs } from './app-jobs.js';
import type { MailStore } from './mail-store.js';
import type { StoredTask, TaskRepository } from './task-repository.js';

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

/**
 * The example's data: workspaces and members in sql, tasks through their repository
 * (`task-repository.ts`). Task methods run in the request's context (`runInContext`), whose
 * tenant is the workspace id: the repository limits every read and write to it.
 */
export function createStore(sql: Sql, mail: MailStore, tasks: TaskRepository, jobs: AppJobs) {
  // Creates the workspace and its owner; with `welcome`, enqueues that mail as the owner's in the
  // same transaction. `onlyFirst`: nothing when the user is a member of a workspace already.
  const insertWorkspace = (userId: string, name: string, welcome: EmailMessage | undefined, onlyFirst: boolean) =>
    sql.transaction<Workspace | undefined, SqlError | EmailError>(async (tx) => {
      if (onlyFirst) {
        // The marker's primary key lets one of two concurrent first sign-ins through, in any process
        // (migration 5); a member without a marker signed in before it existed.
        const marked = await tx.query(
          'INSERT INTO first_sign_ins (user_id) VALUES (?) ON CONFLICT DO NOTHING RETURNING user_id',
          [userId],
        );
        if (marked.isErr()) return err(marked.error);
        if (marked.value.rows.length === 0) return ok(undefined);
        const member = await tx.query('SELECT 1 FROM workspace_members WHERE user_id = ? LIMIT 1', [userId]);
        if (member.isErr()) return err(member.error);
        if (member.value.rows.length > 0) return ok(undefined);
      }
      // RETURNING, not `lastInsertId`: the same statement gives the new id on SQLite and PostgreSQL.
      const inserted = await tx.query('INSERT INTO workspaces (name, plan, created_at) VALUES (?, ?, ?) RETURNING id', [
        name,
        'free',
        Date.now(),
      ]);
      if (inserted.isErr()) return err(inserted.error);
      const id = Number(inserted.value.rows[0]?.[0]);
      const member = await tx.execute('INSERT INTO workspace_members (workspace_id, user_id, role) VALUES (?, ?, ?)', [
        id,
        userId,
        'owner',
      ]);
      if (member.isErr()) return err(member.error);
      if (welcome) {
        const queued = await mail.enqueueIn(tx, userId, welcome);
        if (queued.isErr()) return err(queued.error);
      }
      return ok({ id, name, plan: 'free' });
    });

  return {
    /** Creates a workspace owned by `userId`. */
    async createWorkspace(userId: string, name: string): Promise<Workspace> {
      return (await unwrap(insertWorkspace(userId, name, undefined, false))) as Workspace;
    },

    /**
     * The user's first workspace, with the `welcome` mail enqueued in the same transaction; `undefined`
     * (and no mail) when the user already has one.
     */
    async createFirstWorkspace(userId: string, name: string, welcome: EmailMessage): Promise<Workspace | undefined> {
      const workspace = await unwrap(insertWorkspace(userId, name, welcome, true));
      if (workspace) mail.wake();
      return workspace;
    },

    async workspacesOf(userId: string): Promise<Workspace[]> {
      const result = await unwrap(
        sql.query(
          'SELECT w.id, w.name, w.plan FROM workspaces w JOIN workspace_members m ON m.workspace_id = w.id WHERE m.user_id = ? ORDER BY w.id',
          [userId],
        ),
      );
      return rowsToObjects(result).map(toWorkspace);
    },

    /** The workspace if `userId` is a member; 404 otherwise (whether or not it exists). */
    async memberWorkspace(userId: string, workspaceId: number): Promise<Workspace> {
      const result = await unwrap(
        sql.query(
          'SELECT w.id, w.name, w.plan FROM workspaces w JOIN workspace_members m ON m.workspace_id = w.id WHERE w.id = ? AND m.user_id = ?',
          [workspaceId, userId],
        ),
      );
      const row = rowsToObjects(result)[0];
      if (!row) throw new HttpError(404, 'NOT_FOUND', `No workspace ${workspaceId}`);
      return toWorkspace(row);
    },

    /** The workspace's tasks, by id. Runs in the request's context: the tenant is the workspace. */
    async tasks(workspaceId: number): Promise<Task[]> {
      const all: Task[] = [];
      let after: string | undefined;
      do {
        const page = await unwrap(
          tasks.findMany({ orderBy: { field: 'id' }, limit: 1000, ...(after ? { after } : {}) }),
        );
        all.push(...page.items.map((t) => toTask(t, workspaceId)));
        after = page.next;
      } while (after);
      return all;
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
      const created = await sql.transaction<Task, SqlError | HttpError | RepositoryError>(async (tx) => {
        // The counter, not count(*): constant time however many tasks the workspace holds. Tasks
        // are never deleted today; a delete must decrement it in its own transaction. Bumped before
        // the check: the UPDATE holds the workspace's row until the end of the transaction, so a
        // concurrent creation in any process waits for it and counts after it on PostgreSQL too,
        // where a plain SELECT would let both read the same count (SQLite runs one writer at a time).
        // The bumped counter is the new task's id: 1, 2, … per workspace.
        const bumped = await tx.query(
          'UPDATE workspaces SET task_count = task_count + 1 WHERE id = ? RETURNING task_count',
          [workspaceId],
        );
        if (bumped.isErr()) return err(bumped.error);
        const id = Number(bumped.value.rows[0]?.[0] ?? 1);
        const refused = await allow(id - 1);
        if (refused) return err(refused); // rolls the transaction back, the bump with it
        const inserted = await tasks.create({ id, title, done: false, createdBy: userId, completedAt: null }, { tx });
        return inserted.isErr() ? err(inserted.error) : ok(toTask(inserted.value, workspaceId));
      });
      return unwrap(created);
    },

    /**
     * Marks the task done (once: a second call changes nothing) and, in the same transaction,
     * enqueues the `task.completed` job that mails `notify` about it.
     */
    async completeTask(workspaceId: number, taskId: number, notify: Notify): Promise<Task> {
      // Two completions at once (two processes) read the same version; the second write is a
      // CONFLICT and its transaction rolls back, job included: read again, and find it done.
      for (let attempt = 1; ; attempt++) {
        const done = await sql.transaction((tx) => this.completeTaskIn(tx, workspaceId, taskId, notify));
        if (done.isOk() || done.error.code !== 'CONFLICT' || attempt === 3) return unwrap(done);
      }
    },

    /**
     * `completeTask` inside the caller's transaction: rolled back with it, the job included (a job
     * exists if and only if the completion committed).
     */
    async completeTaskIn(
      tx: SqlTransaction,
      workspaceId: number,
      taskId: number,
      notify: Notify,
    ): Promise<Result<Task, RepositoryError | JobsError | HttpError>> {
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
      const queued = await jobs.enqueue(tx, 'task.completed', {
        workspaceId,
        taskId,
        title: updated.value.title,
        ...notify,
      });
      return queued.isErr() ? err(queued.error) : ok(toTask(updated.value, workspaceId));
    },
  };
}

export type Store = ReturnType<typeof createStore>;

function toWorkspace(row: Record<string, SqlValue>): Workspace {
  return { id: Number(row.id), name: String(row.name), plan: String(row.plan) };
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
