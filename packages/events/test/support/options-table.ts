import { describeOptions } from '@keel/core/adapter';
import type * as v from 'valibot';

/** The markdown table of an options schema, as the adapters' READMEs have them. */
export function optionsTable(schema: v.GenericSchema): string {
  const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');
  const rows = describeOptions(schema).map(
    (r) =>
      `| \`${r.name}\` | ${cell(r.type)} | ${r.required ? 'required' : r.default === undefined ? '—' : cell(`\`${r.default}\``)} | ${cell(r.description)} |`,
  );
  return ['| option | type | default | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** A table's text without the padding Biome adds. */
export function unpadded(markdown: string): string {
  return markdown
    .split('\n')
    .map((line) => (line.startsWith('|') ? line.replace(/ *\| */g, '|').replace(/-{3,}/g, '---') : line))
    .join('\n');
}
