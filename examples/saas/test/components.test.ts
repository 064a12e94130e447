import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import manifest from '../components/manifest.json' with { type: 'json' };
import { buildComponent, componentNames, sha256 } from '../scripts/build-components.js';

describe('components/ are built from their source', () => {
  it.each(componentNames)('%s.wasm is what %s.wat + %s.wit build to, and the manifest pins it', async (name) => {
    const built = await buildComponent(name);
    const committed = readFileSync(new URL(`../components/${name}.wasm`, import.meta.url));
    expect(sha256(committed)).toBe(sha256(built));
    expect(manifest[name].sha256).toBe(sha256(built));
  });
});
