import { loadavg } from 'node:os';
import { createMemoryKv } from '@keel/adapter-kv-memory';
import { createFlags } from '@keel/flags';
import { keelFlagsProvider } from '@keel/flags/openfeature';
import { InMemoryProvider, OpenFeature } from '@openfeature/server-sdk';
import { compare } from './harness.js';

/**
 * Evaluating a cached flag, in process: a plain object lookup (the floor), @keel/flags'
 * `evaluate` (a rule and a 10% rollout), and the same flag through the OpenFeature client with
 * Keel's provider and with OpenFeature's own InMemoryProvider.
 */
export async function run(): Promise<void> {
  const [one, five, fifteen] = loadavg().map((n) => n.toFixed(2));
  console.log(`\n## @keel/flags — load average ${one} / ${five} / ${fifteen} (1/5/15 min)`);
  const flags = createFlags(createMemoryKv(), {
    refreshMs: 0,
    flags: {
      'new-editor': {
        type: 'boolean',
        default: false,
        rules: [{ when: [{ attribute: 'tenant', op: 'eq', value: 'acme' }], value: true }],
        rollout: { percent: 10, value: true },
      },
    },
  });
  await OpenFeature.setProviderAndWait('keel', keelFlagsProvider(flags));
  await OpenFeature.setProviderAndWait(
    'memory',
    new InMemoryProvider({
      'new-editor': { variants: { on: true, off: false }, defaultVariant: 'off', disabled: false },
    }),
  );
  const keel = OpenFeature.getClient('keel');
  const memory = OpenFeature.getClient('memory');
  const plain: Record<string, boolean> = { 'new-editor': false };
  let n = 0;
  const context = () => ({ targetingKey: `user-${n++ % 1000}`, tenant: 'globex' });
  await compare('Evaluate one flag for a user', [
    { name: 'a plain object lookup', fn: () => plain['new-editor'] === (n++ % 2 === 0) },
    { name: '@keel/flags evaluate (rule + 10% rollout)', fn: () => flags.evaluate('new-editor', context()) },
    { name: 'OpenFeature client, Keel provider', fn: () => keel.getBooleanValue('new-editor', false, context()) },
    { name: 'OpenFeature client, InMemoryProvider', fn: () => memory.getBooleanValue('new-editor', false, context()) },
  ]);
  await OpenFeature.clearProviders();
  flags.close();
}
