import type { ComponentInfo, ComponentSummary, ComponentVersion, RegistryAuditRecord } from '@keel/component-registry';
import type { StoredExecution } from '@keel/wasm-host';
import type { RunStatus, StepRecord } from '@keel/workflows';

// What the API answers, in the shapes of openapi-schemas.ts: absent values as null, times as ISO text.
const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

export function summaryView(s: ComponentSummary) {
  return {
    name: s.name,
    active: s.active ?? null,
    previous: s.previous ?? null,
    canary: s.canary ?? null,
    versionCount: s.versionCount,
    lastUploadAt: s.lastUploadAt.toISOString(),
  };
}

export function versionView(v: ComponentVersion) {
  return {
    name: v.name,
    version: v.version,
    sha256: v.sha256,
    size: v.size,
    exports: v.exports,
    signer: v.signer ?? null,
    uploadedBy: v.uploadedBy ?? null,
    uploadedAt: v.uploadedAt.toISOString(),
    grants: v.grants,
    limits: v.limits,
  };
}

export function moduleView(m: ComponentInfo) {
  return {
    name: m.name,
    active: m.active ?? null,
    previous: m.previous ?? null,
    canary: m.canary ?? null,
    versions: m.versions.map(versionView),
  };
}

export function auditView(r: RegistryAuditRecord) {
  return { ...r, version: r.version ?? null, actor: r.actor ?? null, at: r.at.toISOString() };
}

export function executionView(e: StoredExecution) {
  return {
    ...e,
    startedAt: new Date(e.startedAt).toISOString(),
    error: e.error ?? null,
    memoryPages: e.memoryPages ?? null,
    fuelUsed: e.fuelUsed ?? null,
    workflow: e.workflow ?? null,
  };
}

/** A run in a list: what it is and how it ended, without its input and context. */
export function runSummaryView(run: RunStatus) {
  return {
    id: run.id,
    workflow: run.workflow,
    state: run.state,
    error: run.error ?? null,
    createdAt: new Date(run.createdAt).toISOString(),
    finishedAt: iso(run.finishedAt),
  };
}

export function runView(run: RunStatus, steps: readonly StepRecord[]) {
  return {
    ...runSummaryView(run),
    input: run.input,
    context: run.context,
    steps: steps.map((s) => ({
      ...s,
      via: s.via ?? null,
      input: s.input ?? null,
      output: s.output ?? null,
      error: s.error ?? null,
      startedAt: iso(s.startedAt),
      finishedAt: iso(s.finishedAt),
      durationMs: s.durationMs ?? null,
      fuelUsed: s.fuelUsed ?? null,
      hostCalls: s.hostCalls ?? null,
    })),
  };
}
