import { bundleChild as bundle } from '@keel/testing';

export { type ReportingChild as Child, spawnReportingChild as spawnChild } from '@keel/testing';

/** The child bundled once (the drivers as installed), so that each of the many starts is a plain `node` start. */
export function bundleChild(): Promise<{ file: string; remove(): void }> {
  return bundle(new URL('workflows-child.ts', import.meta.url), { external: /^better-sqlite3$/ });
}
