import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.package.js';

export default defineConfig([
  // import.meta.url in the CommonJS build: it finds the sandbox's child script beside it.
  { ...packageBuild({ shims: true }), clean: ['!sandbox/**'] },
  {
    // The sql sandbox's child process runs a file, in plain node: ESM (package type module),
    // better-sqlite3 left to resolve from the installed package.
    entry: { 'sqlite-sandbox-child': 'src/sandbox/sqlite-sandbox-child.js' },
    outDir: 'dist/sandbox',
    format: ['esm'],
    splitting: false,
    clean: true,
    sourcemap: true,
    target: 'node20',
  },
]);
