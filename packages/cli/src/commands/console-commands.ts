import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CliError, type CliIo, report, step } from '../cli-io.js';
import { type ConsoleTarget, callConsole, segment } from '../console-client.js';

/**
 * `push`, `list`, `pull`, `activate` and `logs` over an app's console API (`--url`): the same
 * results as on `--db`, with the server's checks, permissions and audit trail (the actor is the
 * token's user).
 */
export const viaConsole = {
  async push(
    io: CliIo,
    t: ConsoleTarget,
    o: { name: string; version: string; bytes: Uint8Array; signature?: string; signer?: string; json: boolean },
  ) {
    const headers: Record<string, string> = { 'content-type': 'application/wasm' };
    if (o.signature) headers['keel-signature'] = o.signature;
    if (o.signer) headers['keel-signer'] = o.signer;
    const stored = await step(io, `Uploading ${o.name}@${o.version} to ${t.url}`, () =>
      callConsole(t, 'PUT', `/api/modules/${segment(o.name)}/versions/${segment(o.version)}`, {
        bytes: o.bytes,
        headers,
      }),
    );
    const v = stored.json;
    report(io, o.json, v, `Pushed ${o.name}@${o.version}: ${v.size} bytes, sha256 ${v.sha256}`);
  },

  async list(io: CliIo, t: ConsoleTarget, o: { search?: string; json: boolean }) {
    const items: {
      name: string;
      active: string | null;
      canary: { version: string; percent: number } | null;
      versionCount: number;
    }[] = [];
    let cursor: string | null = null;
    do {
      const q = new URLSearchParams({ limit: '100' });
      if (o.search) q.set('search', o.search);
      if (cursor) q.set('cursor', cursor);
      const page = (await callConsole(t, 'GET', `/api/modules?${q}`)).json;
      items.push(...page.items);
      cursor = page.cursor;
    } while (cursor);
    const lines = items.map(
      (c) =>
        `${c.name}  active ${c.active ?? '—'}${c.canary ? `  canary ${c.canary.version} (${c.canary.percent}%)` : ''}  ${c.versionCount} version(s)`,
    );
    report(io, o.json, items, lines.join('\n') || 'No components.');
  },

  async pull(io: CliIo, t: ConsoleTarget, o: { name: string; version: string; out?: string; json: boolean }) {
    const reply = await callConsole(t, 'GET', `/api/modules/${segment(o.name)}/versions/${segment(o.version)}/wasm`);
    const out = resolve(io.cwd, o.out ?? `${o.name.replaceAll('/', '-')}-${o.version}.wasm`);
    writeFileSync(out, reply.bytes);
    report(io, o.json, { out, bytes: reply.bytes.byteLength }, `Wrote ${out} (${reply.bytes.byteLength} bytes)`);
  },

  async activate(io: CliIo, t: ConsoleTarget, o: { name: string; version: string; json: boolean }) {
    await step(io, `Activating ${o.name}@${o.version}`, () =>
      callConsole(t, 'POST', `/api/modules/${segment(o.name)}/activate`, { json: { version: o.version } }),
    );
    report(io, o.json, { name: o.name, active: o.version }, `${o.name}: ${o.version} is active`);
  },

  async logs(io: CliIo, t: ConsoleTarget, o: { component?: string; limit: number; json: boolean }) {
    const q = new URLSearchParams({ limit: String(Math.min(o.limit, 500)) });
    if (o.component) {
      const at = o.component.lastIndexOf('@');
      q.set('module', at > 0 ? o.component.slice(0, at) : o.component);
      if (at > 0) q.set('version', o.component.slice(at + 1));
    }
    const page = (await callConsole(t, 'GET', `/api/executions?${q}`)).json;
    const records = (
      page.items as {
        component: string;
        export: string;
        outcome: string;
        error: { code: string } | null;
        durationMs: number;
        startedAt: string;
      }[]
    ).map((r) => ({
      component: r.component,
      export: r.export,
      outcome: r.outcome,
      error: r.error?.code,
      durationMs: r.durationMs,
      startedAt: r.startedAt,
    }));
    const lines = records.map(
      (r) =>
        `${r.startedAt}  ${r.component} ${r.export}  ${r.outcome}${r.error ? ` ${r.error}` : ''}  ${r.durationMs.toFixed(2)} ms`,
    );
    report(io, o.json, records, lines.join('\n') || 'No records.');
  },
};

/** Flags that only mean something against a database. */
export function refuseDbOnly(o: { trust?: readonly string[]; actor?: string }): void {
  if (o.trust?.length)
    throw new CliError(
      'INVALID_ARGUMENT',
      '--trust is the server’s configuration over --url',
      'drop --trust: the app decides whom it trusts',
    );
  if (o.actor)
    throw new CliError(
      'INVALID_ARGUMENT',
      '--actor is the signed-in user over --url',
      "drop --actor: the audit trail names the token's user",
    );
}
