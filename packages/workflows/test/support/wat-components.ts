/**
 * Small components of the task pipeline, built from inline WAT and WIT with jco's wasm-tools:
 * each export takes a priority and returns one of a few JSON texts kept in the module's memory
 * (a string result is a pointer to its `[address, length]` pair, per the canonical ABI).
 */
interface ExportSpec {
  readonly name: string;
  readonly param: 'u32' | 's32';
  /** The answers, chosen by `pick`. */
  readonly answers: readonly string[];
  /** A WAT expression of the priority (`local 0`) giving the answer's index. */
  readonly pick: string;
}

const specs: Record<string, readonly ExportSpec[]> = {
  'task-validate': [
    {
      name: 'validate',
      param: 's32',
      answers: ['[]', '{"errors":[{"path":"priority","message":"priority must be 0 to 3"}]}'],
      pick: '(i32.or (i32.lt_s (local.get 0) (i32.const 0)) (i32.gt_s (local.get 0) (i32.const 3)))',
    },
  ],
  'task-route': [
    {
      name: 'route',
      param: 'u32',
      // 0–1: enrich; 2: enrich and notify in parallel; 3: a step the workflow does not have.
      answers: ['{"next":"enrich"}', '{"next":["enrich","notify"]}', '{"next":"escalate"}'],
      pick: '(select (i32.const 2) (i32.ge_u (local.get 0) (i32.const 2)) (i32.eq (local.get 0) (i32.const 3)))',
    },
  ],
  'task-actions': [
    {
      name: 'enrich',
      param: 'u32',
      answers: ['{"label":"normal"}', '{"label":"high","sla":{"hours":4}}'],
      pick: '(i32.ge_u (local.get 0) (i32.const 2))',
    },
    { name: 'notify', param: 'u32', answers: ['{"notified":"on-call"}'], pick: '(i32.const 0)' },
  ],
};

export type PipelineComponent = keyof typeof specs;
export const pipelineComponents = Object.keys(specs) as PipelineComponent[];

/** The component `name` of the pipeline, as bytes. */
export async function pipelineComponent(name: PipelineComponent): Promise<Uint8Array> {
  const { parse, componentEmbed, componentNew } = await import('@bytecodealliance/jco-transpile/wasm-tools');
  const exports = specs[name] ?? [];
  const memory: number[] = [];
  const put32 = (at: number, v: number) => {
    for (let i = 0; i < 4; i++) memory[at + i] = (v >>> (8 * i)) & 0xff;
  };
  // Pairs first (8 bytes per answer), then the texts.
  let pairs = 16;
  let texts = 16 + 8 * exports.reduce((n, e) => n + e.answers.length, 0);
  const funcs = exports.map((e) => {
    const base = pairs;
    for (const answer of e.answers) {
      const bytes = new TextEncoder().encode(answer);
      put32(pairs, texts);
      put32(pairs + 4, bytes.length);
      for (const [i, b] of bytes.entries()) memory[texts + i] = b;
      pairs += 8;
      texts += bytes.length;
    }
    return `(func (export "${e.name}") (param i32) (result i32)
      (i32.add (i32.const ${base}) (i32.mul (i32.const 8) ${e.pick})))`;
  });
  const data = Array.from({ length: texts }, (_, i) => `\\${(memory[i] ?? 0).toString(16).padStart(2, '0')}`).join('');
  const core = await parse(`(module
    (memory (export "memory") 1)
    (data (i32.const 0) "${data}")
    ${funcs.join('\n')})`);
  const world = `package test:pipeline;
world ${name} {
${exports.map((e) => `  export ${e.name}: func(priority: ${e.param}) -> string;`).join('\n')}
}`;
  const embedded = await componentEmbed({ binary: core, witSource: world, world: name });
  return componentNew(embedded, []);
}
