import type { Keel } from '@keel/core';
import { readAsset } from '@keel/sea/runtime';
import {
  createMemoryExecutionLog,
  createWasmHost,
  type ExecutionRecord,
  type WasmComponent,
  type WasmMode,
} from '@keel/wasm-host';
import manifest from '../components/manifest.json' with { type: 'json' };
import { HttpError } from './http-errors.js';

/** What the plan rule decides on. */
export interface PlanLimitInput {
  readonly workspaceId: number;
  readonly plan: string;
  readonly taskCount: number;
}

export type PlanLimitDecision = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

/** One decision, kept for `GET /api/rules/log` beside the host's execution record of the call. */
export interface PlanLimitLogEntry {
  readonly at: number;
  readonly input: PlanLimitInput;
  readonly decision: PlanLimitDecision;
}

export interface PlanLimitOptions {
  readonly maxFreeTasks: number;
  /** Where @keel/wasm-host keeps the transpiled component; `false` for memory only. */
  readonly cacheDir: string | false;
  /** @default 'isolated' */
  readonly mode?: WasmMode;
  readonly keep?: number;
}

export const planLimitAsset = 'components/plan-limit.wasm';

/**
 * The business rule "a free workspace holds at most N tasks", run as the WebAssembly component
 * `components/plan-limit.wasm` (built from `plan-limit.wat` + `plan-limit.wit` by
 * `scripts/build-components.ts`) through @keel/wasm-host.
 *
 * Grants: none. The component imports nothing — not kv, not sql, not even log (`log: false`) —
 * so it can reach nothing; the host reads the count in its transaction and passes it in. Reading
 * the count itself would need `sql: 'read-only'` and a tenant filter the component could get
 * wrong; passing it keeps the rule a pure function and its grant list empty. It is pinned by the
 * sha256 in `components/manifest.json`, and runs isolated by default (its own worker, a 250 ms
 * timeout, a 1 MiB memory cap) or in-thread, every call recorded in the host's execution log.
 *
 * The same code runs inside the single executable: `keel sea` transpiles the component at build
 * time and embeds the result, which the host finds there (`loadedFrom: 'embedded'`); the pin is
 * still checked on the component's own bytes, read from the executable's assets.
 */
export async function createPlanLimitRule(keel: Keel, options: PlanLimitOptions): Promise<PlanLimitRule> {
  const executions = createMemoryExecutionLog({ capacity: options.keep ?? 100 });
  const host = createWasmHost(keel, {
    cacheDir: options.cacheDir,
    executionLog: executions,
    mode: options.mode ?? 'isolated',
  });
  const bytes = readAsset(planLimitAsset, () => new URL(`../${planLimitAsset}`, import.meta.url));
  const loaded = await host.load(bytes, {
    id: 'plan-limit',
    sha256: manifest['plan-limit'].sha256,
    grants: { log: false },
    limits: { timeoutMs: 250, maxMemoryBytes: 1024 * 1024, maxHostCalls: 0 },
  });
  if (loaded.isErr()) {
    await host.close();
    throw loaded.error;
  }
  const component: WasmComponent = loaded.value;
  const decisions = decisionLog(options.keep ?? 100);
  return {
    engine: {
      kind: 'wasm',
      id: component.id,
      sha256: component.hash,
      mode: component.mode,
      loadedFrom: component.loadedFrom,
      grants: 'none (the component imports nothing)',
    },
    async check(input: PlanLimitInput): Promise<PlanLimitDecision> {
      const result = await component.call('allowed', input.plan === 'free', input.taskCount, options.maxFreeTasks);
      if (result.isErr()) throw new HttpError(503, 'RULE_FAILED', `The plan rule could not run (${result.error.code})`);
      return decisions.add(input, result.value === true, options.maxFreeTasks);
    },
    log: decisions.list,
    executions: () => executions.records().slice().reverse(),
    close: () => host.close(),
  };
}

/** The rule as the app uses it. */
export interface PlanLimitRule {
  readonly engine: {
    readonly kind: 'wasm';
    readonly id: string;
    readonly sha256: string;
    readonly mode: WasmMode;
    /** Where the host found the transpiled component: `embedded` inside the single executable. */
    readonly loadedFrom: WasmComponent['loadedFrom'];
    readonly grants: string;
  };
  check(input: PlanLimitInput): Promise<PlanLimitDecision>;
  /** Decisions, newest first. */
  log(): readonly PlanLimitLogEntry[];
  /** The wasm host's execution records of the component, newest first. */
  executions(): readonly ExecutionRecord[];
  close(): Promise<void>;
}

function decisionLog(keep: number) {
  const entries: PlanLimitLogEntry[] = [];
  return {
    add(input: PlanLimitInput, allowed: boolean, max: number): PlanLimitDecision {
      const decision: PlanLimitDecision = allowed
        ? { allowed: true }
        : { allowed: false, reason: `A free workspace holds at most ${max} tasks` };
      entries.push({ at: Date.now(), input, decision });
      if (entries.length > keep) entries.shift();
      return decision;
    },
    list: (): readonly PlanLimitLogEntry[] => entries.slice().reverse(),
  };
}
