import { readFileSync } from 'node:fs';
import { describeOptions } from '@keel/core/adapter';
import { describe, expect, it } from 'vitest';
import { cacheOptions } from '../src/index.js';

// The options are declared once (cacheOptions); the README's table must say what they say.
// scripts/options-tables.ts writes the adapters' tables; the cache is not an adapter, so its
// table is checked here, in the same format.
const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');
const unpadded = (markdown: string) =>
  markdown
    .split('\n')
    .map((line) => (line.startsWith('|') ? line.replace(/ *\| */g, '|').replace(/-{3,}/g, '---') : line))
    .join('\n');

describe('README', () => {
  it('documents every option of createCache as cacheOptions declares it', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const table = /<!-- options: createCache -->\n([\s\S]*?)<!-- \/options -->/.exec(readme)?.[1];
    const rows = describeOptions(cacheOptions).map(
      (r) =>
        `| \`${r.name}\` | ${cell(r.type)} | ${r.default === undefined ? '—' : cell(`\`${r.default}\``)} | ${cell(r.description)} |`,
    );
    const expected = ['| option | type | default | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
    expect(unpadded(table?.trim() ?? ''), expected).toBe(unpadded(expected));
  });
});
