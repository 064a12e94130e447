import { type ComponentRegistry, createComponentRegistry } from '@keel/component-registry';
import type { Keel, SqlTransaction } from '@keel/core';
import type { StoredEvent, Subscription } from '@keel/events';
import { readAsset } from '@keel/sea/runtime';
import { createSqlExecutionLog, createWasmHost, type WasmMode } from '@keel/wasm-host';
import { createWorkflows, defineWorkflow, type RunStatus, type StepRecord } from '@keel/workflows';
import manifest from '../components/manifest.json' with { type: 'json' };
import { pollInterval, type AppEvents } from './app-events.js';
import { sender } from './auth-mail.js';
import { unwrap } from './http-errors.js';
import type { MailStore } from './mail-store.js';

/** The components of the intake workflow, built like the plan rule (`scripts/build-components.ts`). */
export const intakeComponents = ['task-validate', 'task-route', 'task-enrich'] as const;
export const intakeAssets = intakeComponents.map((name) => `components/${name}.wasm`);

/** How urgent a title says a task is: the `!` it starts with (`!!! Prod is down` is 3). */
export function priorityOf(title: string): number {
  return (/^!*/.exec(title)?.[0] ?? '').length;
}

/** What a run of `task-intake` starts from: the new task, and who to tell when it is urgent. */
interface IntakeInput {
  readonly workspaceId: string;
  readonly taskId: number;
  readonly title: string;
  readonly priority: number;
  readonly createdBy: string;
}

/**
 * validate → route → enrich, and notify in parallel for priority 2 and 3. The three decisions are
 * WebAssembly components the registry serves (no imports: they see only the priority); notify is
 * the app's own code, because it writes mail.
 */
function intakeWorkflow(notify: (input: IntakeInput, key: string) => Promise<unknown>) {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a workflow variable, resolved per run
  const priority = '${input.priority}';
  return defineWorkflow({
    steps: {
      validate: {
        kind: 'validate',
        component: 'task-validate',
        export: 'validate',
        args: [priority],
        output: 'json',
        next: 'route',
      },
      route: {
        kind: 'route',
        component: 'task-route',
        export: 'route',
        args: [priority],
        output: 'json',
        routes: ['enrich', 'notify'],
      },
      enrich: {
        kind: 'transform',
        component: 'task-enrich',
        export: 'enrich',
        args: [priority],
        output: 'json',
      },
      notify: {
        kind: 'transform',
        run: ({ input, key }) => notify(input as unknown as IntakeInput, key),
        retry: { maxAttempts: 5, backoff: { type: 'exponential', delayMs: 200 } },
      },
    },
  });
}

export interface TaskIntakeOptions {
  /** Where @keel/wasm-host keeps transpiled components; `false` for memory only. */
  readonly cacheDir: string | false;
  readonly mode: WasmMode;
  readonly pollIntervalMs: number;
}

/** A task's intake: the run's state, what the steps decided (`context`), and each step. */
export interface TaskIntakeView {
  readonly runId: string;
  readonly state: RunStatus['state'];
  readonly context: unknown;
  readonly error: RunStatus['error'];
  readonly steps: readonly Pick<StepRecord, 'step' | 'state' | 'output' | 'durationMs' | 'attempts'>[];
}

/**
 * Every new task goes through the `task-intake` workflow (`@keel/workflows`) of components kept in
 * the app's database by `@keel/component-registry`: the bundled versions are uploaded and
 * activated at start-up (each process does it; a version that exists is kept). A run starts in
 * the transaction that consumes the `TaskCreated` event, so each task gets exactly one, whichever
 * process sees the event; its id is kept beside the task for `GET …/tasks/:id/intake`.
 */
export async function createTaskIntake(keel: Keel, mail: MailStore, options: TaskIntakeOptions) {
  // Each component call's record (outcome, duration, fuel, host calls) in the app's database: the console reads it.
  const executionLog = createSqlExecutionLog(keel.sql, {
    onError: (e) => console.error('[saas] execution log', e),
  });
  const host = createWasmHost(keel, { cacheDir: options.cacheDir, mode: options.mode, executionLog });
  const registry = createComponentRegistry(keel.sql, host);
  const workflows = createWorkflows({
    sql: keel.sql,
    registry,
    table: 'task_intake',
    pollIntervalMs: options.pollIntervalMs,
    observability: keel.observability,
    onError: (e) => console.error('[saas] task intake', e),
  });
  try {
    await unwrap(registry.migrate());
    for (const name of intakeComponents) await install(registry, name);
    await unwrap(workflows.migrate());
    const notify = async (input: IntakeInput, key: string) => {
      const user = await unwrap(keel.auth.getUser(input.createdBy));
      if (!user) return { notified: null };
      const message = {
        from: sender,
        to: [user.email],
        subject: `Urgent task: ${input.title}`,
        text: `"${input.title}" (task ${input.taskId} of workspace ${input.workspaceId}) was marked urgent.\n`,
        // The step's key is the same on every attempt: a retried step enqueues its mail once.
        idempotencyKey: `task-intake:${key}`,
      };
      await unwrap(keel.sql.transaction((tx) => mail.enqueueIn(tx, input.createdBy, message)));
      mail.wake();
      return { notified: user.email };
    };
    await unwrap(workflows.register('task-intake', intakeWorkflow(notify)));
  } catch (error) {
    await workflows.close();
    await host.close();
    throw error;
  }
  const worker = workflows.work({ concurrency: 2 });
  if (worker.isErr()) throw worker.error;

  return {
    workflows,
    registry,
    executionLog,

    /** Starts a run for each `TaskCreated` from now on, in the transaction of the event's checkpoint. */
    subscribe(events: AppEvents): Subscription {
      return events.subscribe(
        'TaskCreated',
        async (event: StoredEvent<{ entity: Record<string, unknown> }>, { tx }) => {
          if (!tx) throw new TypeError('task intake: expected a transactional delivery');
          const task = event.data.entity;
          const input = {
            workspaceId: String(event.metadata.tenantId),
            taskId: Number(task.id),
            title: String(task.title),
            priority: priorityOf(String(task.title)),
            createdBy: String(task.createdBy),
          };
          return start(tx, input);
        },
        { group: 'task-intake', transactional: true, startFrom: 'end', ...pollInterval(options) },
      );
    },

    /** The intake of a task, or `undefined` while its run has not started. */
    async view(workspaceId: number, taskId: number): Promise<TaskIntakeView | undefined> {
      const found = await unwrap(
        keel.sql.query('SELECT run_id FROM task_intakes WHERE workspace_id = ? AND task_id = ?', [
          String(workspaceId),
          taskId,
        ]),
      );
      const runId = found.rows[0]?.[0];
      if (typeof runId !== 'string') return undefined;
      const run = await unwrap(workflows.status(runId));
      const steps = await unwrap(workflows.history(runId));
      return {
        runId,
        state: run.state,
        context: run.context,
        error: run.error,
        steps: steps.map(({ step, state, output, durationMs, attempts }) => ({
          step,
          state,
          output,
          durationMs,
          attempts,
        })),
      };
    },

    async close(): Promise<void> {
      await workflows.close();
      await host.close();
      await executionLog.flush();
    },
  };

  async function start(tx: SqlTransaction, input: IntakeInput) {
    const runId = await workflows.start('task-intake', input as never, { tx });
    if (runId.isErr()) return runId;
    return tx.execute('INSERT INTO task_intakes (workspace_id, task_id, run_id) VALUES (?, ?, ?)', [
      input.workspaceId,
      input.taskId,
      runId.value,
    ]);
  }
}

export type TaskIntake = Awaited<ReturnType<typeof createTaskIntake>>;

/** Uploads the bundled version of a component (once: a version never changes) and makes it the active one. */
async function install(registry: ComponentRegistry, name: (typeof intakeComponents)[number]): Promise<void> {
  const { sha256 } = manifest[name];
  // The version names the bytes: a rebuilt component is a new version, the old one kept for rollback.
  const version = `1.0.0+${sha256.slice(0, 12)}`;
  const bytes = readAsset(`components/${name}.wasm`, () => new URL(`../components/${name}.wasm`, import.meta.url));
  const upload = () => registry.upload({ name, version, bytes, actor: 'saas' });
  let uploaded = await upload();
  // Another process may have stored it a moment before (a duplicate key): then it exists.
  if (uploaded.isErr() && uploaded.error.code !== 'VERSION_EXISTS') uploaded = await upload();
  if (uploaded.isErr() && uploaded.error.code !== 'VERSION_EXISTS') throw uploaded.error;
  // Processes starting together may activate at once, and the registry's first routing row can
  // then collide: one wins; the others find the version active when they look again.
  for (let attempt = 1; ; attempt++) {
    const current = await unwrap(registry.get(name));
    if (current?.active === version) return;
    const activated = await registry.activate(name, version, { actor: 'saas' });
    if (activated.isOk()) return;
    if (attempt >= 3) throw activated.error;
  }
}
