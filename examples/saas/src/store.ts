import { err, ok, rowsToObjects, type Sql, type SqlError, type SqlValue } from '@keel/core';
import type { EmailMessage } from '@keel/core';
import type { EmailOutbox } from '@keel/adapter-email';
import { HttpError, unwrap } from './http-errors.js';

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

/** The example's sql access: workspaces, members and tasks. */
export function createStore(sql: Sql, outbox: EmailOutbox) {
  return {
    /**
     * Creates a workspace owned by `userId`; with `welcome`, enqueues that email to the user in the
     * same transaction, recorded as theirs by user id (see `outboxFor`).
     */
    async createWorkspace(userId: string, name: string, welcome?: EmailMessage): Promise<Workspace> {
      const created = await sql.transaction(async (tx) => {
        const inserted = await tx.execute('INSERT INTO workspaces (name, plan, created_at) VALUES (?, ?, ?)', [
          name,
          'free',
          Date.now(),
        ]);
        if (inserted.isErr()) return err(inserted.error);
        const id = Number(inserted.value.lastInsertId);
        const member = await tx.execute(
          'INSERT INTO workspace_members (workspace_id, user_id, role) VALUES (?, ?, ?)',
          [id, userId, 'owner'],
        );
        if (member.isErr()) return err(member.error);
        if (welcome) {
          const queued = await outbox.enqueue(tx, welcome);
          if (queued.isErr()) return err(queued.error);
          const owned = await tx.execute('INSERT INTO user_mail (outbox_id, user_id, created_at) VALUES (?, ?, ?)', [
            queued.value.id,
            userId,
            Date.now(),
          ]);
          if (owned.isErr()) return err(owned.error);
        }
        return ok({ id, name, plan: 'free' });
      });
      const workspace = await unwrap(created);
      if (welcome) outbox.wake();
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

    async tasks(workspaceId: number): Promise<Task[]> {
      const result = await unwrap(
        sql.query(
          'SELECT id, workspace_id, title, done, created_at, completed_at FROM tasks WHERE workspace_id = ? ORDER BY id',
          [workspaceId],
        ),
      );
      return rowsToObjects(result).map(toTask);
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
      const created = await sql.transaction<Task, SqlError | HttpError>(async (tx) => {
        // The counter, not count(*): constant time however many tasks the workspace holds. Tasks
        // are never deleted today; a delete must decrement it in its own transaction.
        const counted = await tx.query('SELECT task_count FROM workspaces WHERE id = ?', [workspaceId]);
        if (counted.isErr()) return err(counted.error);
        const refused = await allow(Number(counted.value.rows[0]?.[0] ?? 0));
        if (refused) return err(refused); // rolls the transaction back
        const now = Date.now();
        const inserted = await tx.execute(
          'INSERT INTO tasks (workspace_id, title, created_by, created_at) VALUES (?, ?, ?, ?)',
          [workspaceId, title, userId, now],
        );
        if (inserted.isErr()) return err(inserted.error);
        const bumped = await tx.execute('UPDATE workspaces SET task_count = task_count + 1 WHERE id = ?', [
          workspaceId,
        ]);
        if (bumped.isErr()) return err(bumped.error);
        return ok<Task>({
          id: Number(inserted.value.lastInsertId),
          workspaceId,
          title,
          done: false,
          createdAt: now,
          completedAt: null,
        });
      });
      return unwrap(created);
    },

    async completeTask(workspaceId: number, taskId: number): Promise<Task> {
      await unwrap(
        sql.execute(
          'UPDATE tasks SET done = 1, completed_at = coalesce(completed_at, ?) WHERE id = ? AND workspace_id = ?',
          [Date.now(), taskId, workspaceId],
        ),
      );
      const result = await unwrap(
        sql.query(
          'SELECT id, workspace_id, title, done, created_at, completed_at FROM tasks WHERE id = ? AND workspace_id = ?',
          [taskId, workspaceId],
        ),
      );
      const row = rowsToObjects(result)[0];
      if (!row) throw new HttpError(404, 'NOT_FOUND', `No task ${taskId} in workspace ${workspaceId}`);
      return toTask(row);
    },

    /**
     * The outbox rows the app sent to `userId`, newest first: joined on the user id recorded when
     * the mail was enqueued, never matched by address (one address can be part of another).
     */
    async outboxFor(userId: string, limit = 50): Promise<OutboxRow[]> {
      const result = await unwrap(
        sql.query(
          `SELECT o.id, o.status, o.attempts, o.created_at, o.sent_at, o.provider, o.provider_message_id,
             o.last_error_code, o.message
           FROM user_mail u JOIN keel_email_outbox o ON o.id = u.outbox_id
           WHERE u.user_id = ? ORDER BY u.created_at DESC, u.outbox_id LIMIT ?`,
          [userId, limit],
        ),
      );
      return rowsToObjects(result).map(toOutboxRow);
    },
  };
}

export type Store = ReturnType<typeof createStore>;

export interface OutboxRow {
  readonly id: string;
  readonly status: string;
  readonly attempts: number;
  readonly createdAt: number;
  readonly sentAt: number | null;
  readonly provider: string | null;
  readonly providerMessageId: string | null;
  readonly lastErrorCode: string | null;
  readonly to: string[];
  readonly subject: string;
  readonly text: string;
}

function toWorkspace(row: Record<string, SqlValue>): Workspace {
  return { id: Number(row.id), name: String(row.name), plan: String(row.plan) };
}

function toTask(row: Record<string, SqlValue>): Task {
  return {
    id: Number(row.id),
    workspaceId: Number(row.workspace_id),
    title: String(row.title),
    done: Number(row.done) === 1,
    createdAt: Number(row.created_at),
    completedAt: row.completed_at === null ? null : Number(row.completed_at),
  };
}

function toOutboxRow(row: Record<string, SqlValue>): OutboxRow {
  const message = JSON.parse(String(row.message)) as { to?: unknown[]; subject?: string; text?: string };
  const to = (message.to ?? []).map((a) =>
    typeof a === 'string' ? a : String((a as { address?: string }).address ?? JSON.stringify(a)),
  );
  const nullable = (v: SqlValue | undefined) => (v === null || v === undefined ? null : String(v));
  return {
    id: String(row.id),
    status: String(row.status),
    attempts: Number(row.attempts),
    createdAt: Number(row.created_at),
    sentAt: row.sent_at === null ? null : Number(row.sent_at),
    provider: nullable(row.provider),
    providerMessageId: nullable(row.provider_message_id),
    lastErrorCode: nullable(row.last_error_code),
    to,
    subject: message.subject ?? '',
    text: message.text ?? '',
  };
}
