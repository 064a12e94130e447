import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WasmHostLogger } from '../../src/index.js';

const components = fileURLToPath(new URL('../../fixtures/components/', import.meta.url));

/** A committed test component's path, bytes and pinned hash. */
export function fixture(name: string): { path: string; bytes: Uint8Array; sha256: string } {
  const manifest = JSON.parse(
    readFileSync(fileURLToPath(new URL('../../fixtures/manifest.json', import.meta.url)), 'utf8'),
  ) as Record<string, { sha256: string }>;
  const entry = manifest[name];
  if (!entry) throw new Error(`no fixture ${name}`);
  const path = join(components, `${name}.wasm`);
  return { path, bytes: readFileSync(path), sha256: entry.sha256 };
}

/** A fresh cache folder, removed by the returned function. */
export function tempDir(prefix = 'keel-wasm-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface LogLine {
  readonly level: string;
  readonly message: string;
  readonly fields: Record<string, unknown>;
}

/** A logger that keeps what it is given. */
export function collectingLogger(): WasmHostLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: string) => (fields: Record<string, unknown>, message: string) =>
    void lines.push({ level, message, fields });
  return { lines, trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
