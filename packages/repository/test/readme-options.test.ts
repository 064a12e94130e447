import { readFileSync } from 'node:fs';
import { describeOptions } from '@keel/core/adapter';
import { expect, it } from 'vitest';
import { repositoryOptions } from '../src/index.js';

// The README's options table is the schema's, cell for cell (padding aside), as the adapters' are.
it('README documents createRepository’s options as the schema declares them', () => {
  const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');
  const rows = describeOptions(repositoryOptions).map(
    (r) =>
      `|\`${r.name}\`|${cell(r.type)}|${r.required ? 'required' : r.default === undefined ? '—' : cell(`\`${r.default}\``)}|${cell(r.description)}|`,
  );
  const expected = ['|option|type|default|meaning|', '|---|---|---|---|', ...rows].join('\n');
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const table = /<!-- options: repository -->\n([\s\S]*?)\n<!-- \/options -->/.exec(readme)?.[1] ?? '';
  const unpadded = table
    .split('\n')
    .map((line) => line.replace(/ *\| */g, '|').replace(/-{3,}/g, '---'))
    .join('\n');
  expect(unpadded).toBe(expected.replace(/ *\| */g, '|'));
});
