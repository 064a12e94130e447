import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildFixture, componentPath, fixtureNames, readManifest, sha256 } from '../fixtures/build.js';
import { generatedFile, renderKeelInterfaces } from '../scripts/embed-wit.js';
import { renderSandboxTypes } from '../scripts/sandbox-types.js';

describe('test components', () => {
  it('the build script reproduces every committed component byte for byte', async () => {
    const manifest = readManifest();
    expect(Object.keys(manifest).sort()).toEqual([...fixtureNames].sort());
    for (const name of fixtureNames) {
      const built = await buildFixture(name);
      const committed = readFileSync(componentPath(name));
      expect(sha256(built), `${name}: rebuild with pnpm --filter @keel/wasm-host fixtures`).toBe(
        manifest[name]?.sha256,
      );
      expect(Buffer.compare(Buffer.from(built), committed), name).toBe(0);
    }
  });
});

describe("the host's copy of the WIT", () => {
  it('matches wit/*.wit (regenerate with pnpm --filter @keel/wasm-host embed-wit)', async () => {
    expect(readFileSync(generatedFile, 'utf8')).toBe(await renderKeelInterfaces());
  });
});

describe('the declarations of the sandbox modules', () => {
  it('match their JSDoc (regenerate with pnpm --filter @keel/wasm-host sandbox-types)', () => {
    const rendered = renderSandboxTypes();
    expect(rendered.size).toBe(7);
    for (const [file, text] of rendered) expect(readFileSync(file, 'utf8'), file).toBe(text);
  });
});
