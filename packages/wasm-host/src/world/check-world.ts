import type { Artifact } from '../loader/artifact.js';
import type { InterfacePlan } from '../sandbox/keel-imports.js';
import { wasiInterfaces } from '../sandbox/wasi.js';
import { declarationMismatches, parseInterfaceDeclarations, type InterfaceDeclarations } from './dts-declarations.js';
import { keelInterfaces } from './keel-interfaces.generated.js';
import { REPOSITORY_PACKAGE } from '../repository/repository-interface.js';

const KEEL = 'keel:infrastructure';

/** What a component needs from the host, once it is known to be of the app world. */
export interface WorldPlan {
  /** The keel interfaces it imports, for the sandbox. */
  readonly keel: readonly InterfacePlan[];
  /** The WASI interfaces it imports, unversioned. */
  readonly wasi: readonly string[];
  /** It imports `wasi:http/*`. */
  readonly http: boolean;
}

/** The role a component is loaded for: business logic, or a kv adapter (which must export kv). */
export type ComponentRole = 'app' | 'kv-adapter';

/**
 * Checks a component against the app world before it runs: it may import the keel interfaces
 * (with exactly the host's types for everything it uses) and WASI 0.2, nothing else; a kv
 * adapter must export the whole kv interface with the host's types. Types are compared as jco
 * renders them in TypeScript: records, variants, enums, options, results, lists and resources
 * must match exactly, while integers are compared by JavaScript type (a `u32` where the host has
 * an `s32` passes; neither can corrupt memory, as the canonical ABI checks every value).
 */
export function checkWorld(
  artifact: Artifact,
  role: ComponentRole,
  repositories: ReadonlyMap<string, { readonly declarations: InterfaceDeclarations }> = new Map(),
): { plan: WorldPlan } | { problems: string[] } {
  const problems: string[] = [];
  const keel: InterfacePlan[] = [];
  const wasi: string[] = [];
  for (const name of artifact.imports) {
    if (name.startsWith(`${KEEL}/`)) {
      const short = name.slice(KEEL.length + 1);
      const reference = keelInterfaces[short];
      if (!reference) {
        problems.push(
          `it imports ${name}, which this host does not know (known: ${Object.keys(keelInterfaces).join(', ')})`,
        );
        continue;
      }
      problems.push(...compare(artifact, `${KEEL}/${short}`, reference, 'imports', false));
      keel.push(interfacePlan(short, reference));
    } else if (name.startsWith(`${REPOSITORY_PACKAGE}/`)) {
      // A repository the host serves, as its generated WIT says (repositoryWit); counted under its full name.
      const served = repositories.get(name);
      if (!served) {
        const known = [...repositories.keys()].join(', ') || 'none';
        problems.push(`it imports ${name}, a repository this host does not serve (served: ${known})`);
        continue;
      }
      problems.push(...compare(artifact, name, served.declarations, 'imports', false));
      keel.push(interfacePlan(name, served.declarations, name));
    } else if (name.startsWith('wasi:')) {
      const [pkg, iface] = name.slice(5).split('/') as [string, string | undefined];
      const known = (wasiInterfaces as Record<string, readonly string[]>)[pkg];
      if (!known || iface === undefined || !known.includes(iface)) {
        problems.push(`it imports ${name}, which is not part of WASI 0.2 as this host provides it`);
        continue;
      }
      const text = artifact.declarations[`wasi-${pkg}-${iface}.d.ts`];
      const version = text === undefined ? undefined : parseInterfaceDeclarations(text).version;
      if (version !== undefined && !version.startsWith('0.2.'))
        problems.push(`it imports ${name}@${version}; this host provides WASI 0.2`);
      wasi.push(name);
    } else {
      problems.push(
        `it imports ${name}, which is not part of the app world (keel:infrastructure interfaces and WASI 0.2)`,
      );
    }
  }
  if (role === 'kv-adapter') {
    const reference = keelInterfaces.kv as InterfaceDeclarations;
    const exported = artifact.exports.some(([name, kind]) => kind === 'instance' && name.startsWith(`${KEEL}/kv@`));
    if (!exported) problems.push(`it does not export ${KEEL}/kv, so it cannot be a kv adapter`);
    else problems.push(...compare(artifact, `${KEEL}/kv`, reference, 'exports', true));
  }
  return problems.length > 0
    ? { problems }
    : { plan: { keel, wasi, http: wasi.some((n) => n.startsWith('wasi:http/')) } };
}

function compare(
  artifact: Artifact,
  name: string,
  reference: InterfaceDeclarations,
  verb: string,
  complete: boolean,
): string[] {
  // jco's file name: `keel:infrastructure/kv` → `keel-infrastructure-kv.d.ts`.
  const text = artifact.declarations[`${name.replace(/[:/]/g, '-')}.d.ts`];
  if (text === undefined) return [`jco produced no declarations for ${name}`];
  const declared = parseInterfaceDeclarations(text);
  const problems: string[] = [];
  if (!compatible(declared.version, reference.version)) {
    problems.push(`it ${verb} ${name}@${declared.version ?? '?'}; this host has ${reference.version ?? '?'}`);
  }
  for (const mismatch of declarationMismatches(declared, reference)) problems.push(`${name}: ${mismatch}`);
  if (complete) {
    for (const fn of Object.keys(reference.functions)) {
      if (!(fn in declared.functions)) problems.push(`${name}: function ${fn} is missing`);
    }
  }
  return problems;
}

/** Same major version, and for 0.x the same minor (semver's rule for unstable versions). */
function compatible(version: string | undefined, host: string | undefined): boolean {
  if (version === undefined || host === undefined) return false;
  const [a0, a1] = version.split('.');
  const [b0, b1] = host.split('.');
  return a0 === b0 && (a0 !== '0' || a1 === b1);
}

/** How the sandbox builds an interface's import object, derived from the host's declarations. */
export function interfacePlan(
  short: string,
  reference: InterfaceDeclarations,
  name = `${KEEL}/${short}`,
): InterfacePlan {
  const resources: Record<string, string[]> = {};
  const returnsResource: Record<string, string> = {};
  const returned = (signature: string) => /\):\s*(\w+)$/.exec(signature)?.[1];
  for (const [cls, members] of Object.entries(reference.resources)) {
    resources[cls] = [];
    for (const member of members) {
      const name = /^(\w+)\s*\(/.exec(member)?.[1];
      if (!name) continue;
      (resources[cls] as string[]).push(name);
      const type = returned(member);
      if (type !== undefined && type in reference.resources) returnsResource[`${cls}.${name}`] = type;
    }
  }
  const hasError = 'Error' in reference.types;
  const notify: string[] = [];
  for (const [fn, signature] of Object.entries(reference.functions)) {
    const type = returned(signature);
    if (type !== undefined && type in reference.resources) returnsResource[fn] = type;
    // Nothing comes back and nothing can fail: the guest need not wait for the host.
    if (!hasError && signature.endsWith('): void')) notify.push(fn);
  }
  return {
    name,
    short,
    functions: Object.keys(reference.functions),
    resources,
    returnsResource,
    notify,
  };
}
