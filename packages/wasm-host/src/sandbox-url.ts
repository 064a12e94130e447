/**
 * Where the worker scripts are. This file sits at the root of `src/` and is bundled into the
 * root of `dist/`, and the scripts sit in `sandbox/` under both, so one relative URL serves the
 * sources (tests) and the build. The build has only the transpiler's script there: it embeds
 * the guest worker's text instead (see guest-worker-source.ts).
 */
export function sandboxUrl(file: 'guest-worker.js' | 'transpile-worker.js'): URL {
  return new URL(`./sandbox/${file}`, import.meta.url);
}
