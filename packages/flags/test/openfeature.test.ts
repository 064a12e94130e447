import { createMemoryKv } from '@keel/adapter-kv-memory';
import { ErrorCode, OpenFeature, ProviderEvents } from '@openfeature/server-sdk';
import { afterAll, describe, expect, it } from 'vitest';
import { createFlags } from '../src/index.js';
import { keelFlagsProvider } from '../src/openfeature.js';

// Through the OpenFeature API an app already uses: a named domain, so nothing global is touched.
const kv = createMemoryKv();
const flags = createFlags(kv, {
  refreshMs: 0,
  flags: {
    'new-editor': {
      type: 'boolean',
      default: false,
      rules: [{ when: [{ attribute: 'tenant', op: 'eq', value: 'acme' }], value: true }],
    },
    'max-upload-mb': { type: 'number', default: 10 },
    theme: { type: 'object', default: { accent: 'teal' } },
  },
});
await OpenFeature.setProviderAndWait('keel-test', keelFlagsProvider(flags));
const client = OpenFeature.getClient('keel-test');
afterAll(async () => {
  await OpenFeature.clearProviders();
  flags.close();
});

describe('the OpenFeature provider', () => {
  it('resolves each type with its reason and variant', async () => {
    expect(await client.getBooleanDetails('new-editor', false, { targetingKey: 'u1', tenant: 'acme' })).toMatchObject({
      value: true,
      reason: 'TARGETING_MATCH',
      variant: 'rule-0',
    });
    expect(await client.getNumberValue('max-upload-mb', 1)).toBe(10);
    expect(await client.getObjectValue('theme', {})).toEqual({ accent: 'teal' });
  });

  it("gives the caller's default with OpenFeature's error codes", async () => {
    expect(await client.getStringDetails('max-upload-mb', 'x')).toMatchObject({
      value: 'x',
      errorCode: ErrorCode.TYPE_MISMATCH,
    });
    expect(await client.getBooleanDetails('missing', true)).toMatchObject({
      value: true,
      errorCode: ErrorCode.FLAG_NOT_FOUND,
    });
  });

  it('runs hooks, and emits ConfigurationChanged when a flag changes', async () => {
    const seen: string[] = [];
    client.addHooks({ before: (hook) => void seen.push(hook.flagKey) });
    const changed = new Promise<string[]>((resolve) =>
      client.addHandler(ProviderEvents.ConfigurationChanged, (details) => resolve(details?.flagsChanged ?? [])),
    );
    (await flags.set('max-upload-mb', { type: 'number', default: 50 }))._unsafeUnwrap();
    expect(await changed).toEqual(['max-upload-mb']);
    expect(await client.getNumberValue('max-upload-mb', 1)).toBe(50);
    expect(seen).toContain('max-upload-mb');
  });
});
