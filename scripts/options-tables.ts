/**
 * The options tables in the adapter READMEs, generated from each adapter's options schema.
 * `pnpm docs:options` rewrites them; test/docs/options-tables.test.ts fails when one is stale.
 * A table sits between `<!-- options: <interface>/<id> -->` and `<!-- /options -->`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { authAdapters } from '@keel/adapter-auth';
import { betterAuthAdapter } from '@keel/adapter-auth-better-auth';
import { fsBlobstoreAdapter } from '@keel/adapter-blobstore-fs';
import { s3BlobstoreAdapter } from '@keel/adapter-blobstore-s3';
import { emailAdapters } from '@keel/adapter-email';
import { levelKvAdapter } from '@keel/adapter-kv-level';
import { memoryKvAdapter } from '@keel/adapter-kv-memory';
import { redisKvAdapter } from '@keel/adapter-kv-redis';
import { memoryMessagingAdapter } from '@keel/adapter-messaging-memory';
import { natsMessagingAdapter } from '@keel/adapter-messaging-nats';
import { redisMessagingAdapter } from '@keel/adapter-messaging-redis';
import { postgresAdapter } from '@keel/adapter-postgres';
import { sqliteAdapter } from '@keel/adapter-sqlite';
import { cacheOptions } from '@keel/cache';
import { registryOptions } from '@keel/component-registry';
import { consoleOptions } from '@keel/console';
import { type AdapterDefinition, observabilityOptions } from '@keel/core';
import { describeOptions } from '@keel/core/adapter';
import { jobsOptions } from '@keel/jobs';
import { eventsOptions, subscribeOptions } from '@keel/events';
import { flagsOptions } from '@keel/flags';
import { httpClientOptions } from '@keel/http-client';
import { rateLimitOptions } from '@keel/ratelimit';
import { realtimeOptions } from '@keel/realtime';
import { repositoryOptions } from '@keel/repository';
import { templatesOptions } from '@keel/templates';
import { notificationsOptions } from '@keel/templates/notifications';
import { componentKvAdapter } from '@keel/wasm-host';
import { workflowsOptions } from '@keel/workflows';

/** What a table documents: an adapter's options, or a config section declared as one schema. */
export interface DocumentedOptions {
  /** The marker's first part: the interface, or `config` for a section. */
  readonly interface: string;
  readonly id: string;
  readonly options: AdapterDefinition['options'];
}

/** Every adapter this repository ships (and core's `observability` section, and platform packages' options), with the README its table lives in. */
export const documentedAdapters: readonly { readonly readme: string; readonly adapter: DocumentedOptions }[] = [
  {
    readme: 'packages/core/README.md',
    adapter: { interface: 'config', id: 'observability', options: observabilityOptions },
  },
  { readme: 'packages/jobs/README.md', adapter: { interface: 'service', id: 'jobs', options: jobsOptions } },
  { readme: 'packages/cache/README.md', adapter: { interface: 'service', id: 'cache', options: cacheOptions } },
  {
    readme: 'packages/repository/README.md',
    adapter: { interface: 'service', id: 'repository', options: repositoryOptions },
  },
  { readme: 'packages/events/README.md', adapter: { interface: 'events', id: 'createEvents', options: eventsOptions } },
  { readme: 'packages/events/README.md', adapter: { interface: 'events', id: 'subscribe', options: subscribeOptions } },
  { readme: 'packages/flags/README.md', adapter: { interface: 'service', id: 'flags', options: flagsOptions } },
  {
    readme: 'packages/http-client/README.md',
    adapter: { interface: 'service', id: 'http-client', options: httpClientOptions },
  },
  {
    readme: 'packages/ratelimit/README.md',
    adapter: { interface: 'service', id: 'ratelimit', options: rateLimitOptions },
  },
  {
    readme: 'packages/realtime/README.md',
    adapter: { interface: 'service', id: 'realtime', options: realtimeOptions },
  },
  {
    readme: 'packages/component-registry/README.md',
    adapter: { interface: 'service', id: 'component-registry', options: registryOptions },
  },
  {
    readme: 'packages/workflows/README.md',
    adapter: { interface: 'service', id: 'workflows', options: workflowsOptions },
  },
  {
    readme: 'packages/templates/README.md',
    adapter: { interface: 'service', id: 'templates', options: templatesOptions },
  },
  {
    readme: 'packages/templates/README.md',
    adapter: { interface: 'service', id: 'notifications', options: notificationsOptions },
  },
  { readme: 'packages/console/README.md', adapter: { interface: 'service', id: 'console', options: consoleOptions } },
  { readme: 'packages/adapter-kv-memory/README.md', adapter: memoryKvAdapter },
  { readme: 'packages/adapter-kv-level/README.md', adapter: levelKvAdapter },
  { readme: 'packages/adapter-kv-redis/README.md', adapter: redisKvAdapter },
  { readme: 'packages/adapter-messaging-memory/README.md', adapter: memoryMessagingAdapter },
  { readme: 'packages/adapter-messaging-redis/README.md', adapter: redisMessagingAdapter },
  { readme: 'packages/adapter-messaging-nats/README.md', adapter: natsMessagingAdapter },
  { readme: 'packages/adapter-sqlite/README.md', adapter: sqliteAdapter },
  { readme: 'packages/adapter-postgres/README.md', adapter: postgresAdapter },
  ...emailAdapters.map((adapter) => ({ readme: 'packages/adapter-email/README.md', adapter })),
  ...authAdapters.map((adapter) => ({ readme: 'packages/adapter-auth/README.md', adapter })),
  { readme: 'packages/adapter-auth-better-auth/README.md', adapter: betterAuthAdapter },
  { readme: 'packages/wasm-host/README.md', adapter: componentKvAdapter },
  { readme: 'packages/adapter-blobstore-fs/README.md', adapter: fsBlobstoreAdapter },
  { readme: 'packages/adapter-blobstore-s3/README.md', adapter: s3BlobstoreAdapter },
];

/** The markdown table of an adapter's options. */
export function optionsTable(adapter: DocumentedOptions): string {
  const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');
  const rows = describeOptions(adapter.options).map(
    (r) =>
      `| \`${r.name}\` | ${cell(r.type)} | ${r.required ? 'required' : r.default === undefined ? '—' : cell(`\`${r.default}\``)} | ${cell(r.description)} |`,
  );
  return ['| option | type | default | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

const marker = (adapter: DocumentedOptions) =>
  new RegExp(`(<!-- options: ${adapter.interface}/${adapter.id} -->)[\\s\\S]*?(<!-- /options -->)`);

/** The README text with this adapter's table regenerated, or `undefined` when it has no marker. */
export function withTable(readme: string, adapter: DocumentedOptions): string | undefined {
  const pattern = marker(adapter);
  if (!pattern.test(readme)) return undefined;
  return readme.replace(pattern, (_, open: string, close: string) => `${open}\n${optionsTable(adapter)}\n${close}`);
}

/** A table's text without the padding a formatter adds (Biome aligns the columns). */
export function unpadded(markdown: string): string {
  return markdown
    .split('\n')
    .map((line) => (line.startsWith('|') ? line.replace(/ *\| */g, '|').replace(/-{3,}/g, '---') : line))
    .join('\n');
}

// Run as a script (not when the test imports it): rewrite the tables.
if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  for (const { readme, adapter } of documentedAdapters) {
    const text = readFileSync(readme, 'utf8');
    const next = withTable(text, adapter);
    if (next === undefined) console.error(`${readme}: no <!-- options: ${adapter.interface}/${adapter.id} --> marker`);
    else if (next !== text) writeFileSync(readme, next);
  }
}
