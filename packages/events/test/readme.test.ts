import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { eventsOptions, subscribeOptions } from '../src/index.js';
import { optionsTable, unpadded } from './support/options-table.js';

// The README's options tables come from the schemas (`describeOptions`), so they cannot drift.
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README options tables', () => {
  for (const [name, schema] of [
    ['createEvents', eventsOptions],
    ['subscribe', subscribeOptions],
  ] as const) {
    it(`documents ${name}'s options as its schema declares them`, () => {
      const table = new RegExp(`<!-- options: events/${name} -->\\n([\\s\\S]*?)\\n<!-- /options -->`).exec(readme)?.[1];
      expect(table, `add <!-- options: events/${name} --> … <!-- /options -->`).toBeDefined();
      expect(unpadded(table as string), optionsTable(schema)).toBe(unpadded(optionsTable(schema)));
    });
  }
});
