/**
 * The declarations of one interface as jco renders them in TypeScript, split so that a
 * component's view of an interface can be compared with the host's, item by item.
 */
export interface InterfaceDeclarations {
  /** `keel:infrastructure/kv`, without the version. */
  readonly name: string;
  /** `0.1.0`, from jco's `@module` header; `undefined` when the header is missing. */
  readonly version: string | undefined;
  /** Exported functions by their JavaScript name (`delete`, not `_delete`), normalised text. */
  readonly functions: Readonly<Record<string, string>>;
  /** Exported types and interfaces (records, variants, enums) by name, normalised text. */
  readonly types: Readonly<Record<string, string>>;
  /** Resource classes by name: each member (`query(statement: string, …): QueryResult`) normalised. */
  readonly resources: Readonly<Record<string, readonly string[]>>;
}

/**
 * Parses the `.d.ts` jco emits for one interface. Comments are dropped and whitespace is
 * collapsed, so two renderings of the same WIT compare equal whatever their docs.
 */
export function parseInterfaceDeclarations(text: string): InterfaceDeclarations {
  const header = /@module Interface ([a-z0-9-]+:[a-z0-9-]+\/[a-z0-9-]+)(?:@([0-9A-Za-z.+-]+))?/.exec(text);
  const functions: Record<string, string> = {};
  const types: Record<string, string> = {};
  const resources: Record<string, string[]> = {};
  const aliases = new Map<string, string>();
  for (const statement of statements(stripComments(text))) {
    let m: RegExpExecArray | null;
    if ((m = /^export \{ (\w+) as (\w+) \}$/.exec(statement))) {
      aliases.set(m[1] as string, m[2] as string);
    } else if ((m = /^(?:export )?function (\w+)\s*\(/.exec(statement))) {
      functions[m[1] as string] = statement.replace(/^export /, '');
    } else if ((m = /^export (?:type|interface) (\w+)/.exec(statement))) {
      types[m[1] as string] = statement;
    } else if ((m = /^export class (\w+)[^{]*\{(.*)\}$/.exec(statement))) {
      resources[m[1] as string] = (m[2] as string)
        .split(';')
        .map((member) => member.trim())
        .filter((member) => member.length > 0 && !member.startsWith('private constructor'));
    }
  }
  // jco renders reserved words as `function _delete(…)` plus `export { _delete as delete }`.
  for (const [local, exported] of aliases) {
    const declaration = functions[local];
    if (declaration === undefined) continue;
    delete functions[local];
    functions[exported] = declaration.replace(`function ${local}(`, `function ${exported}(`);
  }
  return { name: header?.[1] ?? '', version: header?.[2], functions, types, resources };
}

/**
 * What `component` declares that `reference` does not, in words; empty when every function,
 * type and resource method the component uses is exactly the host's.
 */
export function declarationMismatches(component: InterfaceDeclarations, reference: InterfaceDeclarations): string[] {
  const problems: string[] = [];
  for (const [name, text] of Object.entries(component.functions)) {
    const expected = reference.functions[name];
    if (expected === undefined) problems.push(`function ${name} is not in the host's interface`);
    else if (expected !== text) problems.push(`function ${name} differs: ${text} (host: ${expected})`);
  }
  for (const [name, text] of Object.entries(component.types)) {
    const expected = reference.types[name];
    if (expected === undefined) problems.push(`type ${name} is not in the host's interface`);
    else if (expected !== text) problems.push(`type ${name} differs: ${text} (host: ${expected})`);
  }
  for (const [name, members] of Object.entries(component.resources)) {
    const expected = reference.resources[name];
    if (expected === undefined) {
      problems.push(`resource ${name} is not in the host's interface`);
      continue;
    }
    for (const member of members) {
      if (!expected.includes(member)) problems.push(`resource ${name} member differs or is unknown: ${member}`);
    }
  }
  return problems;
}

function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
}

/** Top-level statements: split at `;` outside braces, or at the brace that closes a block. */
function statements(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  const push = (end: number) => {
    const s = text.slice(start, end).replace(/\s+/g, ' ').trim();
    if (s.length > 0) out.push(s);
    start = end;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) {
        // `export { a as b };` is a statement that ends with `;`, not at its brace.
        const rest = text.slice(i + 1).trimStart();
        if (rest.startsWith(';')) continue;
        push(i + 1);
      }
    } else if (c === ';' && depth === 0) {
      push(i + 1);
      const last = out[out.length - 1];
      if (last !== undefined) out[out.length - 1] = last.replace(/;$/, '').trim();
    }
  }
  push(text.length);
  return out;
}
