import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { documentedAdapters, unpadded, withTable } from '../../scripts/options-tables.js';

// Each adapter's options are declared once, as a schema; the README's table is generated from
// it (`pnpm docs:options`), so it can never say something the code does not do.
describe('README options tables', () => {
  for (const { readme, adapter } of documentedAdapters) {
    it(`${readme} documents ${adapter.interface}/${adapter.id} as its schema declares`, () => {
      const text = readFileSync(new URL(`../../${readme}`, import.meta.url), 'utf8');
      const regenerated = withTable(text, adapter);
      expect(regenerated, `add <!-- options: ${adapter.interface}/${adapter.id} --> … <!-- /options -->`).toBeDefined();
      expect(unpadded(text), 'run `pnpm docs:options`').toBe(unpadded(regenerated as string));
    });
  }
});
