import { describeBuiltPackage } from '@keel/testing';

// The built package the way a user gets it: plain `node`, no source condition, so `@keel/cli`
// resolves to its `dist` and reads the WIT its build copied beside it.
const script = `
  import { mkdtempSync, rmSync } from 'node:fs';
  import { tmpdir } from 'node:os';
  import { join } from 'node:path';
  import { main } from '@keel/cli';
  const root = mkdtempSync(join(tmpdir(), 'keel-cli-dist-'));
  const out = [];
  const io = (cwd) => ({ cwd, stdout: { write: (t) => out.push(t) }, stderr: { write: () => {} } });
  const codes = [
    await main(['component', 'init', 'hello'], io(root)),
    await main(['component', 'build'], io(join(root, 'hello'))),
    await main(['component', 'test', 'dist/hello.wasm', 'greet', '"dist"', '--json'], io(join(root, 'hello'))),
  ];
  rmSync(root, { recursive: true, force: true });
  console.log(JSON.stringify({ codes, result: JSON.parse(out.at(-1)).ok }));`;

describeBuiltPackage({
  folder: new URL('..', import.meta.url),
  script,
  expected: { codes: [0, 0, 0], result: 'hello, dist' },
  timeoutMs: 60_000,
});
