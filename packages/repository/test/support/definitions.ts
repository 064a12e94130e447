import * as v from 'valibot';
import { defineRepository } from '../../src/index.js';

/** A task: every storage kind but bigint, an optional and a nullable field, a unique slug. */
export const Task = v.object({
  id: v.string(),
  title: v.pipe(v.string(), v.minLength(1, 'a title is required')),
  slug: v.pipe(v.string(), v.regex(/^[a-z0-9-]+$/, 'lower-case letters, digits and -')),
  done: v.boolean(),
  points: v.pipe(v.number(), v.integer(), v.minValue(0)),
  weight: v.number(),
  tags: v.array(v.string()),
  dueAt: v.optional(v.date()),
  note: v.nullable(v.string()),
});
export type Task = v.InferOutput<typeof Task>;

const taskFields = {
  id: 'text',
  title: 'text',
  slug: 'text',
  done: 'boolean',
  points: 'integer',
  weight: 'real',
  tags: 'json',
  dueAt: { type: 'timestamp', optional: true },
  note: { type: 'text', nullable: true },
} as const;

/** Every feature on. */
export const tasks = defineRepository({
  table: 'tasks',
  entity: 'Task',
  schema: Task,
  id: 'id',
  fields: taskFields,
  unique: [['slug']],
  indexes: [['done', 'points']],
  softDelete: true,
  audit: true,
  versions: true,
});

/** Every feature off: the bare repository. */
export const plainTasks = defineRepository({
  table: 'plain_tasks',
  entity: 'PlainTask',
  schema: Task,
  id: 'id',
  fields: taskFields,
  unique: [['slug']],
});

/** Tenant-scoped, with everything else on. */
export const tenantTasks = defineRepository({
  table: 'tenant_tasks',
  entity: 'TenantTask',
  schema: Task,
  id: 'id',
  fields: taskFields,
  unique: [['slug']],
  tenantScoped: true,
  softDelete: true,
  audit: true,
  versions: true,
});

/** A counter with an integer id: what the concurrency tests race on. */
export const Counter = v.object({ id: v.number(), value: v.number(), big: v.bigint() });
export const counters = defineRepository({
  table: 'counters',
  entity: 'Counter',
  schema: Counter,
  id: 'id',
  fields: { id: 'integer', value: 'integer', big: 'bigint' },
  audit: true,
  versions: true,
});

export const allDefinitions = [tasks, plainTasks, tenantTasks, counters] as const;

/** A valid task, with fields overridden. */
export function task(overrides: Partial<Task> = {}): Task {
  const n = ++taskCount;
  return {
    id: `t${n}`,
    title: `Task ${n}`,
    slug: `task-${n}`,
    done: false,
    points: n,
    weight: n / 4,
    tags: ['a', `n${n}`],
    note: null,
    ...overrides,
  };
}
let taskCount = 0;
