import { err, ok, rowsToObjects, type Sql, type SqlError, type SqlValue } from '@keel/core';
import type { EmailError, EmailMessage } from '@keel/core';
import { HttpError, unwrap } from './http-errors.js';
import type { MailStore } from './mail-store.js';

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
export function createStore(sql: Sql, mail: MailStore) {
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
        // are never deleted today; a delete must decrement it in its own transaction. Bumped before
        // the check: the UPDATE holds the workspace's row until the end of the transaction, so a
        // concurrent creation in any process waits for it and counts after it on PostgreSQL too,
        // where a plain SELECT would let both read the same count (SQLite runs one writer at a time).
        const bumped = await tx.query(
          'UPDATE workspaces SET task_count = task_count + 1 WHERE id = ? RETURNING task_count',
          [workspaceId],
        );
        if (bumped.isErr()) return err(bumped.error);
        const refused = await allow(Number(bumped.value.rows[0]?.[0] ?? 1) - 1);
        if (refused) return err(refused); // rolls the transaction back, the bump with it
        const now = Date.now();
        const inserted = await tx.query(
          'INSERT INTO tasks (workspace_id, title, created_by, created_at) VALUES (?, ?, ?, ?) RETURNING id',
          [workspaceId, title, userId, now],
        );
        if (inserted.isErr()) return err(inserted.error);
        return ok<Task>({
          id: Number(inserted.value.rows[0]?.[0]),
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
  };
}

export type Store = ReturnType<typeof createStore>;

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
