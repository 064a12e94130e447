import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jcoTranspileVersion, transpilerFingerprint } from '../src/loader/transpile.js';

// The fingerprint names jco's version without reading jco's files (a single executable has
// none), so it takes the pin from this package's package.json: the pin must be exact and be
// what is installed, or cached and embedded artifacts would carry the wrong name.
describe('the transpiler fingerprint', () => {
  it('names the exact jco-transpile version pinned in package.json, an optional peer', () => {
    const own = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as Record<
      string,
      Record<string, unknown> | undefined
    >;
    const pin = own.peerDependencies?.['@bytecodealliance/jco-transpile'];
    expect(pin).toMatch(/^\d+\.\d+\.\d+$/);
    expect(own.peerDependenciesMeta?.['@bytecodealliance/jco-transpile']).toEqual({ optional: true });
    // Installed for this package's own tests at the same version; never a dependency.
    expect(own.devDependencies?.['@bytecodealliance/jco-transpile']).toBe(pin);
    expect(own.dependencies?.['@bytecodealliance/jco-transpile']).toBeUndefined();
    expect(jcoTranspileVersion).toBe(pin);
    expect(transpilerFingerprint()).toContain(`jco-transpile@${jcoTranspileVersion}+`);
  });

  it('matches the installed jco-transpile', () => {
    // jco-transpile's exports do not include its package.json: find it from its entry.
    const entry = createRequire(import.meta.url).resolve('@bytecodealliance/jco-transpile');
    const installed = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as {
      name: string;
      version: string;
    };
    expect(installed.name).toBe('@bytecodealliance/jco-transpile');
    expect(installed.version).toBe(jcoTranspileVersion);
  });
});
