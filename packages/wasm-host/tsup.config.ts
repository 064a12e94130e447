import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    // The worker scripts below share the folder; the two builds run at once.
    clean: ['!sandbox/**'],
    sourcemap: true,
    // import.meta.url in the CommonJS build (see sandboxUrl).
    shims: true,
    target: 'node20',
  },
  {
    // Workers start from files: each script is bundled on its own into dist/sandbox/, where
    // sandboxUrl finds it, as it finds src/sandbox/ from the sources. ESM only (top-level await).
    entry: { 'guest-worker': 'src/sandbox/guest-worker.js', 'transpile-worker': 'src/sandbox/transpile-worker.js' },
    outDir: 'dist/sandbox',
    format: ['esm'],
    splitting: false,
    clean: false,
    sourcemap: true,
    target: 'node20',
  },
]);
