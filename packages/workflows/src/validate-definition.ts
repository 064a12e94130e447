import { err, ok, type Result } from '@keel/core';
import type { BackoffOptions } from '@keel/jobs';
import { references } from './templates.js';
import { type WorkflowsError, workflowsError } from './workflows-errors.js';
import { isComponentStep, type StepDefinition, type StepKind, type WorkflowDefinition } from './workflow-definition.js';

/** A step as the engine runs it: its definition with every default applied. */
export interface CompiledStep {
  readonly id: string;
  readonly definition: StepDefinition;
  readonly kind: StepKind;
  /** Where it goes without routing (`next`), or may go (`routes`). */
  readonly edges: readonly string[];
  readonly join: boolean;
  readonly maxVisits: number | undefined;
  readonly maxAttempts: number;
  readonly backoff: BackoffOptions;
  readonly timeoutMs: number;
}

/** A registered workflow: checked, with what the engine asks of its graph precomputed. */
export interface CompiledWorkflow {
  readonly name: string;
  readonly start: string;
  readonly steps: ReadonlyMap<string, CompiledStep>;
  /** For each step, the steps a run can reach from it (itself only through a cycle). */
  readonly reach: ReadonlyMap<string, ReadonlySet<string>>;
}

const stepId = /^[A-Za-z_][\w-]{0,63}$/;
const kinds: readonly StepKind[] = ['task', 'transform', 'validate', 'route'];
const roots = ['input', 'context', 'steps', 'run'];

/**
 * Checks a definition and compiles it: every reference names a step, every step is reachable
 * from the start, every cycle has a step with `maxVisits`, and every `${steps.<id>.output…}` names
 * a step that runs before it. The error names the step.
 */
export function compileWorkflow(
  name: string,
  definition: WorkflowDefinition,
): Result<CompiledWorkflow, WorkflowsError> {
  const invalid = (message: string, step?: string) =>
    err(
      workflowsError('INVALID_DEFINITION', 'register', `workflow '${name}': ${message}`, {
        workflow: name,
        ...(step === undefined ? {} : { step }),
      }),
    );
  if (
    typeof definition !== 'object' ||
    definition === null ||
    typeof definition.steps !== 'object' ||
    !definition.steps
  )
    return invalid('expected { start?, steps: { [id]: step } }');
  const ids = Object.keys(definition.steps);
  if (ids.length === 0) return invalid('it has no steps');
  const steps = new Map<string, CompiledStep>();
  for (const id of ids) {
    const compiled = compileStep(id, definition.steps[id] as StepDefinition, new Set(ids));
    if (typeof compiled === 'string') return invalid(`step '${id}': ${compiled}`, id);
    steps.set(id, compiled);
  }
  const start = definition.start ?? (ids[0] as string);
  if (!steps.has(start)) return invalid(`the start step '${start}' is not a step`);

  const reach = new Map<string, Set<string>>();
  for (const id of ids) reach.set(id, reachable(steps, id));
  const fromStart = new Set([start, ...(reach.get(start) ?? [])]);
  const unreachable = ids.find((id) => !fromStart.has(id));
  if (unreachable) return invalid(`step '${unreachable}' is unreachable from '${start}'`, unreachable);

  for (const cycle of cycles(steps, reach)) {
    if (!cycle.some((id) => steps.get(id)?.maxVisits !== undefined)) {
      const first = cycle[0] as string;
      return invalid(
        `steps ${cycle.map((s) => `'${s}'`).join(', ')} form a cycle without a bound: give one of them maxVisits`,
        first,
      );
    }
  }

  for (const [id, step] of steps) {
    const config = isComponentStep(step.definition) ? step.definition.args : step.definition.config;
    const found = references(config);
    if (found.isErr()) return invalid(`step '${id}': ${found.error}`, id);
    for (const ref of found.value) {
      const problem = referenceProblem(ref.path, id, reach);
      if (problem) return invalid(`step '${id}': its input can't be resolved: ${ref.text} ${problem}`, id);
    }
  }
  return ok({ name, start, steps, reach });
}

function compileStep(id: string, step: StepDefinition, known: ReadonlySet<string>): CompiledStep | string {
  if (!stepId.test(id)) return 'a step id is a letter or `_`, then letters, digits, `_` or `-` (at most 64)';
  if (typeof step !== 'object' || step === null) return 'expected a step: { run } or { component, export }';
  const s = step as unknown as Record<string, unknown>;
  const isComponent = 'component' in s;
  if (isComponent === 'run' in s) return 'give either `run` (a function) or `component` and `export`';
  if (isComponent) {
    if (typeof s.component !== 'string' || s.component === '') return '`component` must be a component name';
    if (typeof s.export !== 'string' || s.export === '') return '`export` must name an export of the component';
    if (s.args !== undefined && !Array.isArray(s.args)) return '`args` must be a list (the arguments, in order)';
    if (s.args !== undefined && !isJson(s.args)) return '`args` must be JSON';
    if (s.output !== undefined && s.output !== 'value' && s.output !== 'json') return "`output` is 'value' or 'json'";
    if (s.fuel !== undefined && !isInteger(s.fuel, 1, Number.MAX_SAFE_INTEGER))
      return '`fuel` must be a positive integer';
  } else {
    if (typeof s.run !== 'function') return '`run` must be a function';
    if (s.config !== undefined && !isJson(s.config)) return '`config` must be JSON';
  }
  const kind = (s.kind ?? 'task') as StepKind;
  if (!kinds.includes(kind)) return `kind '${String(s.kind)}' is not one of ${kinds.join(', ')}`;
  const list = (v: unknown) => (v === undefined ? [] : typeof v === 'string' ? [v] : v);
  const next = list(s.next);
  const routes = list(s.routes);
  if (!Array.isArray(next) || !next.every((n) => typeof n === 'string')) return '`next` must be a step id or a list';
  if (!Array.isArray(routes) || !routes.every((n) => typeof n === 'string'))
    return '`routes` must be a list of step ids';
  if (kind === 'route' && (routes.length === 0 || next.length > 0))
    return 'a route step lists the steps it may choose in `routes` (and has no `next`)';
  if (kind !== 'route' && routes.length > 0) return '`routes` is for route steps; use `next`';
  const edges = [...next, ...routes] as string[];
  const unknown = edges.find((n) => !known.has(n));
  if (unknown !== undefined) return `it refers to an unknown step '${unknown}'`;
  const retry = (s.retry ?? {}) as Record<string, unknown>;
  if (typeof retry !== 'object') return '`retry` must be { maxAttempts?, backoff? }';
  const maxAttempts = retry.maxAttempts ?? 3;
  if (!isInteger(maxAttempts, 1, 1000)) return '`retry.maxAttempts` must be an integer from 1 to 1000';
  const backoff = (retry.backoff ?? { type: 'exponential', delayMs: 1000 }) as BackoffOptions;
  if (backoff?.type !== 'exponential' && backoff?.type !== 'fixed')
    return "`retry.backoff` must be { type: 'exponential', … } or { type: 'fixed', delayMs }";
  const timeoutMs = s.timeoutMs ?? 60_000;
  if (!isInteger(timeoutMs, 1, 2 ** 31 - 1 - 5000)) return '`timeoutMs` must be a positive integer of ms';
  if (s.maxVisits !== undefined && !isInteger(s.maxVisits, 1, 1_000_000))
    return '`maxVisits` must be a positive integer';
  if (s.join !== undefined && typeof s.join !== 'boolean') return '`join` must be true or false';
  return {
    id,
    definition: step,
    kind,
    edges,
    join: s.join === true,
    maxVisits: s.maxVisits as number | undefined,
    maxAttempts: maxAttempts as number,
    backoff,
    timeoutMs: timeoutMs as number,
  };
}

/** Why a `${…}` of step `id` cannot resolve, or `undefined` when it can. */
function referenceProblem(path: readonly string[], id: string, reach: ReadonlyMap<string, ReadonlySet<string>>) {
  const [root, source, field] = path;
  if (!roots.includes(root as string)) return `starts with '${root}', not one of ${roots.join(', ')}`;
  if (root === 'run' && (path.length !== 2 || (source !== 'id' && source !== 'workflow')))
    return 'names nothing: a run has `run.id` and `run.workflow`';
  if (root !== 'steps') return undefined;
  if (source === undefined || !reach.has(source)) return `names no step ('${source ?? ''}')`;
  if (field !== 'output') return `names no output: write \${steps.${source}.output…}`;
  if (!reach.get(source)?.has(id)) return `names step '${source}', which never runs before '${id}'`;
  return undefined;
}

/** The steps reachable from `from` (breadth first over `next` and `routes`). */
function reachable(steps: ReadonlyMap<string, CompiledStep>, from: string): Set<string> {
  const seen = new Set<string>();
  const queue = [...(steps.get(from)?.edges ?? [])];
  while (queue.length > 0) {
    const id = queue.shift() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    queue.push(...(steps.get(id)?.edges ?? []));
  }
  return seen;
}

/** The cycles of the graph, one list of steps per strongly connected part that loops. */
function cycles(steps: ReadonlyMap<string, CompiledStep>, reach: ReadonlyMap<string, ReadonlySet<string>>) {
  const done = new Set<string>();
  const found: string[][] = [];
  for (const id of steps.keys()) {
    if (done.has(id) || !reach.get(id)?.has(id)) continue;
    // The part of `id`: the steps it reaches that reach it back.
    const part = [id, ...[...(reach.get(id) ?? [])].filter((o) => o !== id && reach.get(o)?.has(id))];
    for (const p of part) done.add(p);
    found.push(part);
  }
  return found;
}

function isInteger(value: unknown, min: number, max: number): boolean {
  return Number.isInteger(value) && (value as number) >= min && (value as number) <= max;
}

/** Whether a value is plain JSON (what survives `JSON.stringify` unchanged). */
export function isJson(value: unknown, depth = 0): boolean {
  if (depth > 100) return false;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((v) => isJson(v, depth + 1));
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return false;
    return Object.values(value).every((v) => v !== undefined && isJson(v, depth + 1));
  }
  return false;
}
