import { describeBuiltPackage } from '@keel/testing';

// The built package the way an app gets it: plain `node`, no source condition, both entries.
const script = `
  import { createMemoryKv } from '@keel/adapter-kv-memory';
  import { createFlags, FlagsError } from '@keel/flags';
  import { keelFlagsProvider } from '@keel/flags/openfeature';
  import { OpenFeature } from '@openfeature/server-sdk';
  const flags = createFlags(createMemoryKv(), { refreshMs: 0, flags: { f: { type: 'boolean', default: false, rollout: { percent: 100, value: true } } } });
  await OpenFeature.setProviderAndWait('smoke', keelFlagsProvider(flags));
  const value = await OpenFeature.getClient('smoke').getBooleanValue('f', false, { targetingKey: 'u' });
  const missing = flags.evaluate('nope')._unsafeUnwrapErr();
  await OpenFeature.close();
  flags.close();
  console.log(JSON.stringify({ value, code: missing.code, typed: missing instanceof FlagsError }));`;

describeBuiltPackage({
  folder: new URL('..', import.meta.url),
  script,
  expected: { value: true, code: 'FLAG_NOT_FOUND', typed: true },
});
