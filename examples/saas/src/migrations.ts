import type { Migration } from '@keel/core';

/** The example's tables; applied at start-up by core's migrator (scope `saas`). */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'workspaces',
    up: `CREATE TABLE workspaces (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      plan TEXT NOT NULL DEFAULT 'free' CHECK (plan IN ('free', 'pro')),
      created_at INTEGER NOT NULL
    );
    CREATE TABLE workspace_members (
      workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      user_id TEXT NOT NULL,
      role TEXT NOT NULL DEFAULT 'owner',
      PRIMARY KEY (workspace_id, user_id)
    );
    CREATE INDEX workspace_members_user ON workspace_members (user_id);`,
    down: 'DROP TABLE workspace_members; DROP TABLE workspaces;',
  },
  {
    version: 2,
    name: 'tasks',
    up: `CREATE TABLE tasks (
      id INTEGER PRIMARY KEY,
      workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
      done INTEGER NOT NULL DEFAULT 0,
      created_by TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      completed_at INTEGER
    );
    CREATE INDEX tasks_workspace ON tasks (workspace_id, id);`,
    down: 'DROP TABLE tasks;',
  },
  {
    version: 3,
    name: 'workspace task count',
    // The plan limit reads this counter instead of counting rows, which grows with the workspace.
    up: `ALTER TABLE workspaces ADD COLUMN task_count INTEGER NOT NULL DEFAULT 0;
    UPDATE workspaces SET task_count = (SELECT count(*) FROM tasks WHERE tasks.workspace_id = workspaces.id);`,
    down: 'ALTER TABLE workspaces DROP COLUMN task_count;',
  },
  {
    version: 4,
    name: 'mail per user',
    // Whose mail an outbox row is, by user id: the outbox shows a user their rows by this, never by
    // matching addresses (a substring match showed alice@… the mail of e@…). No foreign key: the
    // outbox's table belongs to @keel/adapter-email and is created after these migrations.
    up: `CREATE TABLE user_mail (
      outbox_id TEXT PRIMARY KEY,
      user_id TEXT NOT NULL,
      created_at INTEGER NOT NULL
    );
    CREATE INDEX user_mail_user ON user_mail (user_id, created_at);`,
    down: 'DROP TABLE user_mail;',
  },
];
