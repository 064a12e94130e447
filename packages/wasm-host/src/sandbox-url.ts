/**
 * Where the worker scripts are. This file sits at the root of `src/` and is bundled into the
 * root of `dist/`, and the scripts sit in `sandbox/` under both, so one relative URL serves the
 * sources (tests) and the build.
 */
export function sandboxUrl(file: 'guest-worker.js' | 'transpile-worker.js'): URL {
  return new URL(`./sandbox/${file}`, import.meta.url);
}
