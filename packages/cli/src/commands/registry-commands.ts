import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type ComponentRegistry, createComponentRegistry } from '@keel/component-registry';
import type { Sql } from '@keel/core';
import { createWasmHost } from '@keel/wasm-host';
import { CliError, type CliIo, report, step } from '../cli-io.js';
import { consoleTarget } from '../console-client.js';
import { openDatabase } from '../open-database.js';
import { refuseDbOnly, viaConsole } from './console-commands.js';
import { readManifest } from './build.js';
import { readExisting } from './keys.js';

export interface RegistryOptions {
  readonly db?: string;
  /** The app's console API (`@keel/console`) instead of its database. */
  readonly url?: string;
  /** The bearer token for `url` (else `KEEL_TOKEN`). */
  readonly token?: string;
  /** `signer=path.pub` pairs: the keys this registry trusts. */
  readonly trust?: readonly string[];
  readonly actor?: string;
  readonly json: boolean;
}

/** Runs `body` on the app database's registry (migrated), closing everything after. */
async function withRegistry<T>(io: CliIo, o: RegistryOptions, body: (r: ComponentRegistry, sql: Sql) => Promise<T>) {
  const sql = openDatabase(io.cwd, o.db);
  const trustedKeys = Object.fromEntries(
    (o.trust ?? []).map((pair) => {
      const [signer, path] = pair.split('=');
      if (!signer || !path)
        throw new CliError('INVALID_ARGUMENT', `--trust ${pair}`, 'give --trust <signer>=<file.pub>');
      return [signer, readExisting(resolve(io.cwd, path), 'the public key').toString('utf8')];
    }),
  );
  const host = createWasmHost({}, { logger: {} });
  const registry = createComponentRegistry(sql, host, { trustedKeys });
  try {
    const migrated = await registry.migrate();
    if (migrated.isErr()) throw fromRegistry(migrated.error);
    return await body(registry, sql);
  } finally {
    await registry.close();
    await host.close();
    await sql.close();
  }
}

const fromRegistry = (e: { code: string; message: string }) => new CliError(e.code, e.message);
const unwrap = <T>(r: { isErr(): boolean; value?: T; error?: { code: string; message: string } }): T => {
  if (r.isErr()) throw fromRegistry(r.error as { code: string; message: string });
  return r.value as T;
};

/** `name@version`, or the project's manifest when none is given. */
function nameAndVersion(io: CliIo, spec: string | undefined, what: string): { name: string; version: string } {
  if (spec === undefined) {
    const m = readManifest(io.cwd);
    return { name: m.name, version: m.version };
  }
  const at = spec.lastIndexOf('@');
  if (at <= 0)
    throw new CliError('INVALID_ARGUMENT', `'${spec}' is not name@version`, `give the ${what} as name@version`);
  return { name: spec.slice(0, at), version: spec.slice(at + 1) };
}

/** `keel component push <file.wasm> [name@version] --db … [--signature f.sig --signer s --trust s=f.pub]`. */
export async function push(
  io: CliIo,
  o: RegistryOptions & { file: string; spec?: string; signature?: string; signer?: string },
) {
  const bytes = readExisting(resolve(io.cwd, o.file), 'the component');
  const { name, version } = nameAndVersion(io, o.spec, 'component');
  const signature = o.signature === undefined ? undefined : readFileSync(resolve(io.cwd, o.signature), 'utf8').trim();
  const target = consoleTarget(io, o);
  if (target) {
    refuseDbOnly(o);
    const signed = signature ? { signature, ...(o.signer ? { signer: o.signer } : {}) } : {};
    return viaConsole.push(io, target, { name, version, bytes, ...signed, json: o.json });
  }
  await withRegistry(io, o, async (registry) => {
    const stored = unwrap(
      await step(io, `Uploading ${name}@${version}`, async () =>
        registry.upload({
          name,
          version,
          bytes,
          ...(signature ? { signature, signer: o.signer } : {}),
          ...(o.actor ? { actor: o.actor } : {}),
        }),
      ),
    );
    report(io, o.json, stored, `Pushed ${name}@${version}: ${stored.size} bytes, sha256 ${stored.sha256}`);
  });
}

export async function list(io: CliIo, o: RegistryOptions & { search?: string }) {
  const target = consoleTarget(io, o);
  if (target) return viaConsole.list(io, target, { ...(o.search ? { search: o.search } : {}), json: o.json });
  await withRegistry(io, o, async (registry) => {
    const page = unwrap(await registry.list({ ...(o.search ? { search: o.search } : {}), limit: 1000 }));
    const lines = page.items.map(
      (c) =>
        `${c.name}  active ${c.active ?? '—'}${c.canary ? `  canary ${c.canary.version} (${c.canary.percent}%)` : ''}  ${c.versionCount} version(s)`,
    );
    report(io, o.json, page.items, lines.join('\n') || 'No components.');
  });
}

export async function pull(io: CliIo, o: RegistryOptions & { spec: string; out?: string }) {
  const { name, version } = nameAndVersion(io, o.spec, 'component');
  const target = consoleTarget(io, o);
  if (target) return viaConsole.pull(io, target, { name, version, ...(o.out ? { out: o.out } : {}), json: o.json });
  await withRegistry(io, o, async (registry) => {
    const bytes = unwrap(await registry.download(name, version));
    const out = resolve(io.cwd, o.out ?? `${name.replaceAll('/', '-')}-${version}.wasm`);
    writeFileSync(out, bytes);
    report(io, o.json, { out, bytes: bytes.byteLength }, `Wrote ${out} (${bytes.byteLength} bytes)`);
  });
}

export async function activate(io: CliIo, o: RegistryOptions & { spec: string }) {
  const { name, version } = nameAndVersion(io, o.spec, 'version to activate');
  const target = consoleTarget(io, o);
  if (target) {
    refuseDbOnly(o);
    return viaConsole.activate(io, target, { name, version, json: o.json });
  }
  await withRegistry(io, o, async (registry) => {
    unwrap(await registry.activate(name, version, o.actor ? { actor: o.actor } : {}));
    report(io, o.json, { name, active: version }, `${name}: ${version} is active`);
  });
}

/** `keel component logs --db …` (wasm-host's `createSqlExecutionLog` table) or `--url …` (the console's `/api/executions`). */
export async function logs(io: CliIo, o: RegistryOptions & { component?: string; limit?: string; table?: string }) {
  const table = o.table ?? 'wasm_executions';
  if (!/^[A-Za-z_]\w*$/.test(table))
    throw new CliError('INVALID_ARGUMENT', `--table ${table}`, 'letters, digits and _');
  const limit = Number(o.limit ?? 20);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
    throw new CliError('INVALID_ARGUMENT', `--limit ${o.limit}`, 'an integer from 1 to 10000');
  const target = consoleTarget(io, o);
  if (target)
    return viaConsole.logs(io, target, { ...(o.component ? { component: o.component } : {}), limit, json: o.json });
  const sql = openDatabase(io.cwd, o.db);
  try {
    const where = o.component ? 'WHERE component = ? OR component LIKE ?' : '';
    const params = o.component ? [o.component, `${o.component}@%`] : [];
    const rows = await sql.query(
      `SELECT component, export, outcome, error_code, duration_ms, started_at FROM ${table} ${where} ORDER BY started_at DESC LIMIT ${limit}`,
      params,
    );
    if (rows.isErr())
      throw new CliError(
        'NO_LOG',
        `no execution log in this database (${rows.error.message})`,
        'the app keeps one with createSqlExecutionLog(sql) from @keel/wasm-host',
      );
    const records = rows.value.rows.map(([component, exp, outcome, code, ms, at]) => ({
      component,
      export: exp,
      outcome,
      error: code ?? undefined,
      durationMs: Number(ms),
      startedAt: new Date(Number(at)).toISOString(),
    }));
    const lines = records.map(
      (r) =>
        `${r.startedAt}  ${r.component} ${r.export}  ${r.outcome}${r.error ? ` ${r.error}` : ''}  ${r.durationMs.toFixed(2)} ms`,
    );
    report(io, o.json, records, lines.join('\n') || 'No records.');
  } finally {
    await sql.close();
  }
}
