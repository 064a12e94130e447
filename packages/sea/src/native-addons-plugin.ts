import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import type { Plugin } from 'esbuild';
import { ADDON_PREFIX } from './sea-manifest.js';

/** A native addon found while bundling. */
export interface CollectedAddon {
  /** The asset key it is embedded under. */
  readonly key: string;
  readonly path: string;
  readonly file: string;
  readonly sha256: string;
}

/**
 * Replaces the usual ways packages load native addons — `bindings(name)` (better-sqlite3),
 * `node-gyp-build(dir)` (classic-level and most prebuild users), a direct `require('x.node')`, and
 * napi-rs packages whose platform package's main file is the binary (@node-rs/argon2)
 * — with a call into the runtime that loads the addon from the executable's assets. Every addon
 * met is added to `collected`.
 */
export function nativeAddonsPlugin(collected: Map<string, CollectedAddon>, runtimePath: string): Plugin {
  const add = (path: string): string => {
    const bytes = readFileSync(path);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const file = basename(path);
    const key = `${ADDON_PREFIX}${sha256.slice(0, 16)}-${file}`;
    collected.set(key, { key, path, file, sha256 });
    return key;
  };
  const runtime = JSON.stringify(runtimePath);
  return {
    name: 'keel-native-addons',
    setup(build) {
      build.onResolve({ filter: /^(bindings|node-gyp-build)$/ }, (args) => ({
        path: args.importer,
        namespace: 'keel-addon-loader',
        pluginData: { loader: args.path },
      }));
      build.onLoad({ filter: /.*/, namespace: 'keel-addon-loader' }, (args) => {
        const root = packageRoot(args.path);
        const loader = (args.pluginData as { loader: string }).loader;
        if (loader === 'node-gyp-build') {
          const prebuilt = (createRequire(args.path)('node-gyp-build') as { path(dir: string): string }).path(root);
          const key = add(prebuilt);
          return {
            contents: `const { loadAddon } = require(${runtime});\nmodule.exports = () => loadAddon(${JSON.stringify(key)});`,
            loader: 'js',
            resolveDir: root,
          };
        }
        const release = join(root, 'build', 'Release');
        // Embed what the importer asks `bindings` for; other .node files (test helpers, SQLite
        // extensions) are not Node addons. Only when the name is not a literal, embed them all.
        const asked = [...readFileSync(args.path, 'utf8').matchAll(/bindings['"]\)\(\s*['"]([^'"]+)['"]/g)].map((m) =>
          (m[1] as string).endsWith('.node') ? (m[1] as string) : `${m[1]}.node`,
        );
        const present = existsSync(release) ? readdirSync(release).filter((f) => f.endsWith('.node')) : [];
        const names = asked.length > 0 ? present.filter((f) => asked.includes(f)) : present;
        if (names.length === 0)
          return { errors: [{ text: `keel sea: ${root} uses 'bindings' but has no build/Release/*.node` }] };
        const keys = Object.fromEntries(names.map((name) => [name, add(join(release, name))]));
        return {
          contents: `const { loadAddon } = require(${runtime});\nconst keys = ${JSON.stringify(keys)};\nmodule.exports = (name) => {\n  const file = name.endsWith('.node') ? name : name + '.node';\n  if (!keys[file]) throw new Error('keel sea: addon ' + file + ' was not embedded');\n  return loadAddon(keys[file]);\n};`,
          loader: 'js',
          resolveDir: root,
        };
      });
      // Any file that resolves to a .node binary: `require('./x.node')`, and napi-rs loaders
      // that require a per-platform package whose main file is the binary.
      build.onLoad({ filter: /\.node$/ }, (args) => ({
        contents: `module.exports = require(${runtime}).loadAddon(${JSON.stringify(add(args.path))});`,
        loader: 'js',
        resolveDir: dirname(args.path),
      }));
    },
  };
}

function packageRoot(file: string): string {
  let dir = dirname(file);
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) return dirname(file);
    dir = parent;
  }
  return dir;
}
