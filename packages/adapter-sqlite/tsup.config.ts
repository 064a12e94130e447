import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.package.js';

export default defineConfig([
  // The two builds run together: this one leaves dist/sandbox to the other.
  { ...packageBuild(), clean: ['!sandbox/**'] },
  // The sql sandbox's child process runs a file in plain node, found beside dist/index.js:
  // ESM (package type module), better-sqlite3 left to resolve from the installed package.
  packageBuild({
    entry: { 'sqlite-sandbox-child': 'src/sandbox/sqlite-sandbox-child.js' },
    outDir: 'dist/sandbox',
    dts: false,
    splitting: false,
  }),
]);
