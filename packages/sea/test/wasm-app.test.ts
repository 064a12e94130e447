import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSea, type SeaResult } from '../src/index.js';

// A real executable: what keel sea embeds for @keel/wasm-host, and what the host refuses there.
const packages = fileURLToPath(new URL('../../', import.meta.url));
const components = join(packages, 'wasm-host/fixtures/components');
const work = mkdtempSync(join(tmpdir(), 'keel-sea-wasm-app-'));
let result: SeaResult;

beforeAll(async () => {
  result = await buildSea({
    entry: join(packages, 'sea/test/fixtures/wasm-app/main.ts'),
    out: join(work, 'build', 'app'),
    root: packages,
    assets: ['wasm-host/fixtures/components/pure.wasm', 'wasm-host/fixtures/components/http-guest.wasm'],
  });
}, 180_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('an executable whose app runs wasm components', () => {
  it('runs an embedded component in both modes, and refuses one it was not given or one needing wasi:http', () => {
    expect(result.components.map((c) => c.asset).sort()).toEqual([
      'wasm-host/fixtures/components/http-guest.wasm',
      'wasm-host/fixtures/components/pure.wasm',
    ]);
    const folder = mkdtempSync(join(work, 'alone-'));
    const binary = join(folder, 'app');
    copyFileSync(result.out, binary);
    copyFileSync(join(components, 'trap.wasm'), join(folder, 'stray.wasm'));
    const out = execFileSync(binary, [], {
      cwd: folder,
      env: { PATH: '/usr/bin:/bin', KEEL_SEA_CACHE: join(folder, '.cache') },
      encoding: 'utf8',
      timeout: 30_000,
    });
    const report = JSON.parse(out) as Record<string, { code?: string; message?: string }>;
    expect(report.isolated).toEqual({ loadedFrom: 'embedded', add: 5 });
    expect(report['in-thread']).toEqual({ loadedFrom: 'embedded', add: 5 });
    expect(report.stray).toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining('was not embedded in this executable'),
    });
    expect(report.stray?.message).toContain('keel sea');
    expect(report.http).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('wasi:http') });
  });
});
