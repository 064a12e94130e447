// Reads both sides of the contract into one comparable shape: the WIT through jco's own WIT
// parser and type generator, and core's TypeScript through the TypeScript compiler API.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { $init, generateTypes } from '@bytecodealliance/jco-transpile/component';
import ts from 'typescript';

/** One interface: its functions (with parameter names), resource methods, and named type members. */
export interface InterfaceShape {
  functions: Record<string, string[]>;
  resources: Record<string, Record<string, string[]>>;
  /** Variant cases, enum cases, and record fields, by WIT type name (jco's PascalCase). */
  types: Record<string, string[]>;
}

export const witDir = join(import.meta.dirname, '../../../wit');

/** The package's files joined into one source, as the type generator takes a single document. */
export function witSource(dir = witDir): string {
  let header = '';
  const bodies = readdirSync(dir)
    .filter((f) => f.endsWith('.wit'))
    .sort()
    .map((f) =>
      readFileSync(join(dir, f), 'utf8').replace(/^package\s+[^;]+;/m, (line) => {
        header = line;
        return '';
      }),
    );
  return [header, ...bodies].join('\n');
}

/** The shape of every interface imported by `world`, as jco generates TypeScript for it. */
export async function witShape(source: string, world = 'app'): Promise<Record<string, InterfaceShape>> {
  await $init;
  const files = generateTypes('keel', { wit: { tag: 'source', val: source }, world, guest: true });
  const shapes: Record<string, InterfaceShape> = {};
  for (const [name, bytes] of files) {
    const match = /keel-infrastructure-([a-z-]+)\.d\.ts$/.exec(name);
    if (match) shapes[match[1] as string] = shapeOfDeclarations(new TextDecoder().decode(bytes));
  }
  return shapes;
}

function shapeOfDeclarations(text: string): InterfaceShape {
  const file = ts.createSourceFile('wit.d.ts', text, ts.ScriptTarget.Latest, true);
  const shape: InterfaceShape = { functions: {}, resources: {}, types: {} };
  const aliases = new Map<string, string>();
  const interfaces = new Map<string, ts.InterfaceDeclaration>();
  const visit = (node: ts.Node) => {
    if (ts.isExportSpecifier(node) && node.propertyName) aliases.set(node.propertyName.text, node.name.text);
    if (ts.isFunctionDeclaration(node) && node.name) {
      const name = aliases.get(node.name.text) ?? node.name.text;
      shape.functions[name] = node.parameters.map((p) => p.name.getText());
    }
    if (ts.isClassDeclaration(node) && node.name) {
      const methods: Record<string, string[]> = {};
      for (const m of node.members) {
        // jco adds `[Symbol.dispose]` to resources; it is the host's business, not the contract's.
        if (ts.isMethodDeclaration(m) && m.name && !ts.isComputedPropertyName(m.name))
          methods[m.name.getText()] = m.parameters.map((p) => p.name.getText());
      }
      shape.resources[node.name.text] = methods;
    }
    if (ts.isInterfaceDeclaration(node)) interfaces.set(node.name.text, node);
    ts.forEachChild(node, visit);
  };
  visit(file);
  // A second pass: type aliases need the case interfaces collected above.
  const visitAliases = (node: ts.Node) => {
    if (ts.isTypeAliasDeclaration(node) && ts.isUnionTypeNode(node.type)) {
      shape.types[node.name.text] = node.type.types.map((t) => {
        if (ts.isLiteralTypeNode(t)) return (t.literal as ts.StringLiteral).text;
        const caseName = t.getText();
        const tag = interfaces.get(caseName)?.members.find((m) => m.name?.getText() === 'tag');
        return tag && ts.isPropertySignature(tag) && tag.type
          ? (tag.type.getText().replace(/'/g, '') as string)
          : caseName;
      });
    }
    if (ts.isInterfaceDeclaration(node) && !node.members.some((m) => m.name?.getText() === 'tag')) {
      shape.types[node.name.text] = node.members.map((m) => (m.name as ts.Identifier).text);
    }
    ts.forEachChild(node, visitAliases);
  };
  visitAliases(file);
  return shape;
}

/** Reads named declarations from core's TypeScript source. */
export class TsSource {
  private readonly declarations = new Map<string, ts.Node>();

  constructor(files: readonly string[]) {
    for (const path of files) {
      const file = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
      file.forEachChild((node) => {
        if ((ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) && node.name) {
          this.declarations.set(node.name.text, node);
        }
      });
    }
  }

  private get(name: string): ts.Node {
    const node = this.declarations.get(name);
    if (!node) throw new Error(`no declaration ${name} in core's contract files`);
    return node;
  }

  /** Method names and their parameter names. */
  methods(name: string): Record<string, string[]> {
    const node = this.get(name) as ts.InterfaceDeclaration;
    const methods: Record<string, string[]> = {};
    for (const m of node.members) {
      if (ts.isMethodSignature(m)) methods[m.name.getText()] = m.parameters.map((p) => p.name.getText());
    }
    return methods;
  }

  /** Property names of an interface. */
  fields(name: string): string[] {
    return (this.get(name) as ts.InterfaceDeclaration).members.map((m) => (m.name as ts.Identifier).text);
  }

  /** The string literals of a union type alias (`'A' | 'B'`). */
  literals(name: string): string[] {
    const node = this.get(name) as ts.TypeAliasDeclaration;
    if (!ts.isUnionTypeNode(node.type)) throw new Error(`${name} is not a union`);
    return node.type.types.map((t) => ((t as ts.LiteralTypeNode).literal as ts.StringLiteral).text);
  }

  /** The `kind` literal of each member of a union of object types. */
  kinds(name: string): string[] {
    const node = this.get(name) as ts.TypeAliasDeclaration;
    return (node.type as ts.UnionTypeNode).types.map((t) => {
      const kind = (t as ts.TypeLiteralNode).members.find((m) => m.name?.getText() === 'kind') as ts.PropertySignature;
      return ((kind.type as ts.LiteralTypeNode).literal as ts.StringLiteral).text;
    });
  }
}

export const upperSnake = (kebab: string) => kebab.toUpperCase().replace(/-/g, '_');
