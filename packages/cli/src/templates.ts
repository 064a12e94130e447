/** What `keel component init` writes, per template. */
export type Template = 'wat' | 'js';

/** The project file every template has: what `build`, `test` and `push` read. */
export interface ComponentManifest {
  readonly name: string;
  readonly version: string;
  readonly template: Template;
  /** The world in `wit/world.wit`. */
  readonly world: string;
  readonly source: string;
  readonly out: string;
}

export const manifestFile = 'keel.component.json';

// The world is written inside keel:infrastructure (no `package` line): the build puts it after
// the keel interfaces, so `import log;` names keel's log.
const worlds: Record<Template, string> = {
  wat: `// The world this component targets. It sits inside keel:infrastructure, so it may import
// kv, sql, email, auth and log by their short names; the host grants each one.
world greeter {
  /// "hello, " + name
  export greet: func(name: string) -> string;
}
`,
  js: `// The world this component targets. It sits inside keel:infrastructure, so it may import
// kv, sql, email, auth and log by their short names; the host grants each one.
world greeter {
  import log;
  /// "hello, " + name, and a log record of it
  export greet: func(name: string) -> string;
}
`,
};

const sources: Record<Template, string> = {
  // A core module in the canonical ABI: a bump allocator that each call's post-return resets.
  wat: `(module
  (memory (export "memory") 1)
  (data (i32.const 16) "hello, ")
  (global $heap (mut i32) (i32.const 1024))

  (func (export "cabi_realloc") (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
    (local $p i32)
    (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
                           (i32.sub (i32.const 0) (local.get $align))))
    (global.set $heap (i32.add (local.get $p) (local.get $size)))
    (if (i32.gt_u (global.get $heap) (i32.mul (memory.size) (i32.const 65536)))
      (then (if (i32.eq (memory.grow (i32.const 1)) (i32.const -1)) (then unreachable))))
    (if (local.get $old) (then (memory.copy (local.get $p) (local.get $old) (local.get $old_size))))
    (local.get $p))

  ;; greet(name) -> string: the result is [ptr, len] at 8.
  (func (export "greet") (param $name i32) (param $len i32) (result i32)
    (local $out i32)
    (local.set $out (global.get $heap))
    (global.set $heap (i32.add (global.get $heap) (i32.add (local.get $len) (i32.const 7))))
    (memory.copy (local.get $out) (i32.const 16) (i32.const 7))
    (memory.copy (i32.add (local.get $out) (i32.const 7)) (local.get $name) (local.get $len))
    (i32.store (i32.const 8) (local.get $out))
    (i32.store (i32.const 12) (i32.add (local.get $len) (i32.const 7)))
    (i32.const 8))
  (func (export "cabi_post_greet") (param i32) (global.set $heap (i32.const 1024)))
)
`,
  js: `// Built with componentize-js into a component of the world in wit/world.wit.
// types/ holds the declarations of its imports and exports, generated from that world.
import { write } from 'keel:infrastructure/log@0.1.0';

export function greet(name) {
  write('info', 'greeting', [{ key: 'name', value: { tag: 'text', val: name } }]);
  return \`hello, \${name}\`;
}
`,
};

const readme = (m: ComponentManifest) => `# ${m.name}

A Keel component (${m.template === 'js' ? 'JavaScript, built with componentize-js' : 'WebAssembly text'}).

\`\`\`sh
npx keel component build                       # → ${m.out}
npx keel component test ${m.out} greet '"Ada"'  # runs the export on in-memory adapters
npx keel component push ${m.out} --db app.db    # stores it in an app's component registry
\`\`\`
`;

// The project's own test: the built component through @keel/wasm-host, as an app would call it.
const projectTest = (m: ComponentManifest) => `import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { createWasmHost } from '@keel/wasm-host';

test('greet says hello', async () => {
  const host = createWasmHost({}, { cacheDir: false });
  const bytes = readFileSync(new URL('../${m.out}', import.meta.url));
  const component = (await host.load(bytes, { mode: 'in-thread' }))._unsafeUnwrap();
  assert.equal((await component.call('greet', 'Ada'))._unsafeUnwrap(), 'hello, Ada');
  await host.close();
});
`;

const packageJson = (m: ComponentManifest) =>
  `${JSON.stringify(
    {
      name: m.name.replaceAll('/', '-'),
      private: true,
      type: 'module',
      scripts: { build: 'keel component build', test: 'keel component build && node --test test/' },
      devDependencies: {
        '@keel/cli': '^0.1.0',
        '@keel/wasm-host': '^0.1.0',
        ...(m.template === 'js' ? { '@bytecodealliance/componentize-js': '0.23.0' } : {}),
      },
    },
    null,
    2,
  )}\n`;

/** The files of a new project, by path. */
export function templateFiles(template: Template, name: string): Record<string, string> {
  const manifest: ComponentManifest = {
    name,
    version: '0.1.0',
    template,
    world: 'greeter',
    source: template === 'js' ? 'src/component.js' : 'src/component.wat',
    out: `dist/${name.replaceAll('/', '-')}.wasm`,
  };
  return {
    [manifestFile]: `${JSON.stringify(manifest, null, 2)}\n`,
    'wit/world.wit': worlds[template],
    [manifest.source]: sources[template],
    'README.md': readme(manifest),
    'package.json': packageJson(manifest),
    'test/greet.test.js': projectTest(manifest),
    '.gitignore': 'dist/\n',
  };
}
