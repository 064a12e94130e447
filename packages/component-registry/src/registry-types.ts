import type { WasmGrants, WasmLimits } from '@keel/wasm-host';

/** One uploaded version of a component: immutable bytes, and the grants and limits it runs with. */
export interface ComponentVersion {
  readonly name: string;
  readonly version: string;
  /** sha256 of its bytes, hex. */
  readonly sha256: string;
  readonly size: number;
  /** What a call may name (`component.exports` of wasm-host). */
  readonly exports: readonly string[];
  /** The trusted key that signed it, when it was signed. */
  readonly signer: string | undefined;
  readonly uploadedBy: string | undefined;
  readonly uploadedAt: Date;
  /** What it may reach (wasm-host grants); none until `setGrants`, but `log`. */
  readonly grants: WasmGrants;
  /** Its limits (wasm-host limits) over the host's defaults. */
  readonly limits: WasmLimits;
}

/** Which versions of a component serve calls. */
export interface ComponentRouting {
  readonly name: string;
  /** The version calls go to; none until one is activated. */
  readonly active: string | undefined;
  /** The version `rollback` returns to. */
  readonly previous: string | undefined;
  /** A candidate version and the share of keys (0–100, in percent) routed to it. */
  readonly canary: { readonly version: string; readonly percent: number } | undefined;
}

/** A component: its routing and every version, newest first. */
export interface ComponentInfo extends ComponentRouting {
  readonly versions: readonly ComponentVersion[];
}

/** A line of `list`. */
export interface ComponentSummary extends ComponentRouting {
  readonly versionCount: number;
  /** When its newest version was uploaded. */
  readonly lastUploadAt: Date;
}

/** What changed, who changed it and when: one record per upload, activation, canary, grants or limits change and deletion. */
export interface RegistryAuditRecord {
  readonly id: number;
  readonly name: string;
  readonly version: string | undefined;
  readonly action: 'upload' | 'activate' | 'rollback' | 'canary' | 'grants' | 'limits' | 'delete';
  readonly actor: string | undefined;
  /** The action's details: for grants and limits, `{ from, to }`. */
  readonly detail: Readonly<Record<string, unknown>>;
  readonly at: Date;
}

/** Who is acting, for the audit trail. */
export interface ActorOptions {
  readonly actor?: string;
}
