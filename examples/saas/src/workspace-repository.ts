import { createRepository, defineRepository, type RepositoryEventPublisher, type Stored } from '@keel/repository';
import type { Sql } from '@keel/core';
import * as v from 'valibot';

const WorkspaceFields = v.object({
  // Numbered 1, 2, … in creation order (the store takes the last id + 1): the ids in the app's URLs.
  id: v.pipe(v.number(), v.integer(), v.minValue(1)),
  name: v.pipe(v.string(), v.minLength(1), v.maxLength(100)),
  plan: v.picklist(['free', 'pro']),
  // The plan limit reads this counter instead of counting rows, which grows with the workspace.
  taskCount: v.pipe(v.number(), v.integer(), v.minValue(0)),
});

const MemberFields = v.object({
  // `<workspaceId>:<userId>`: one membership per user and workspace, found by id without a query.
  id: v.string(),
  workspaceId: v.pipe(v.number(), v.integer(), v.minValue(1)),
  userId: v.string(),
  role: v.picklist(['owner', 'member']),
});

const FirstSignInFields = v.object({ userId: v.string() });

/**
 * The workspaces (not tenant-scoped: a workspace is the tenant of its tasks). Changes publish
 * `WorkspaceCreated` / `WorkspaceUpdated` when the repository is given events.
 *
 * @example
 * const { workspaces } = createWorkspaceRepositories(keel.sql);
 * const found = await workspaces.findById(7);
 */
export const workspaceDefinition = defineRepository({
  table: 'workspaces',
  entity: 'Workspace',
  schema: WorkspaceFields,
  id: 'id',
  fields: { id: 'integer', name: 'text', plan: 'text', taskCount: 'integer' },
});

/** Who belongs to which workspace; `workspacesOf` filters by `userId`. */
export const memberDefinition = defineRepository({
  table: 'workspace_members',
  entity: 'WorkspaceMember',
  schema: MemberFields,
  id: 'id',
  fields: { id: 'text', workspaceId: 'integer', userId: 'text', role: 'text' },
  indexes: [['userId']],
});

/**
 * One row per user whose first sign-in created the workspace. Its id (the user) is the lock that
 * lets one of two concurrent first sign-ins through, in any process: on PostgreSQL the second
 * `create` waits for the first transaction and then is `DUPLICATE` (SQLite runs one writer at a time).
 */
export const firstSignInDefinition = defineRepository({
  table: 'first_sign_ins',
  entity: 'FirstSignIn',
  schema: FirstSignInFields,
  id: 'userId',
  fields: { userId: 'text' },
});

/** The member id of `userId` in workspace `workspaceId`. */
export const memberId = (workspaceId: number, userId: string) => `${workspaceId}:${userId}`;

/** The workspace repositories on the app's database, publishing their changes to `events` when given. */
export function createWorkspaceRepositories(sql: Sql, events?: RepositoryEventPublisher) {
  const options = events ? { events } : {};
  return {
    workspaces: createRepository(sql, workspaceDefinition, options),
    members: createRepository(sql, memberDefinition),
    firstSignIns: createRepository(sql, firstSignInDefinition),
  };
}

export type WorkspaceRepositories = ReturnType<typeof createWorkspaceRepositories>;

/** A stored workspace: its fields and the repository's (`version`, `createdAt`, `updatedAt`). */
export type StoredWorkspace = Stored<v.InferOutput<typeof WorkspaceFields>>;
