import { createRepository, defineRepository, type RepositoryEventPublisher, type Stored } from '@keel/repository';
import type { Sql } from '@keel/core';
import * as v from 'valibot';

const TaskFields = v.object({
  // Numbered per workspace (1, 2, …) from the workspace's task counter, in the creating transaction.
  id: v.pipe(v.number(), v.integer(), v.minValue(1)),
  title: v.pipe(v.string(), v.minLength(1), v.maxLength(200)),
  done: v.boolean(),
  createdBy: v.string(),
  completedAt: v.nullable(v.date()),
});

/**
 * The tasks, as a repository: tenant-scoped by workspace (the tenant is the workspace id, set per
 * request with `runInContext`), every change audited in its own transaction (who, what, when).
 *
 * @example
 * const tasks = createTaskRepository(keel.sql);
 * await runInContext({ tenantId: '7', actor: userId }, () => tasks.findById(1));
 */
export const taskDefinition = defineRepository({
  table: 'workspace_tasks',
  entity: 'Task',
  schema: TaskFields,
  id: 'id',
  fields: {
    id: 'integer',
    title: 'text',
    done: 'boolean',
    createdBy: 'text',
    completedAt: { type: 'timestamp', nullable: true },
  },
  tenantScoped: true,
  audit: true,
});

/** The task repository on the app's database, publishing `TaskCreated`/`TaskUpdated`/… to `events` when given. */
export function createTaskRepository(sql: Sql, events?: RepositoryEventPublisher) {
  return createRepository(sql, taskDefinition, events ? { events } : {});
}

export type TaskRepository = ReturnType<typeof createTaskRepository>;

/** A stored task: its fields and the repository's (`version`, `createdAt`, `updatedAt`). */
export type StoredTask = Stored<v.InferOutput<typeof TaskFields>>;
