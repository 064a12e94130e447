import { defineRepository } from '@keel/repository';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { repositoryDeclarations } from '../src/repository/repository-declarations.js';
import { repositoryInterface } from '../src/repository/repository-interface.js';
import { repositoryWit } from '../src/index.js';
import { parseInterfaceDeclarations } from '../src/world/dts-declarations.js';

/** Every field kind, nullable and optional fields, a keyword as a field name, soft delete. */
const things = defineRepository({
  table: 'rich_things',
  entity: 'RichThing',
  schema: v.object({
    id: v.string(),
    title: v.string(),
    count: v.number(),
    big: v.bigint(),
    score: v.number(),
    done: v.boolean(),
    dueAt: v.nullable(v.date()),
    meta: v.optional(v.unknown()),
    type: v.string(),
  }),
  id: 'id',
  fields: {
    id: 'text',
    title: 'text',
    count: 'integer',
    big: 'bigint',
    score: 'real',
    done: 'boolean',
    dueAt: { type: 'timestamp', nullable: true },
    meta: { type: 'json', optional: true },
    type: 'text',
  },
  softDelete: true,
} as never) as never;

/** jco's TypeScript declarations of a generated interface, through wit-parser: it must parse and resolve. */
async function jcoDeclarations(wit: string, name: string) {
  const { $init, generateTypes } = await import('@bytecodealliance/jco-transpile/component');
  await $init;
  const source = `package local:t;\nworld w { import keel:repository/${name}@0.1.0; }\n${wit.replace(/^package ([^;]+);/m, 'package $1 {')}}\n`;
  const files = generateTypes('t', { wit: { tag: 'source', val: source }, world: 'local:t/w', guest: false });
  const file = files.find(([n]) => n === `interfaces/keel-repository-${name}.d.ts`);
  if (!file) throw new Error(`jco rendered no declarations for ${name}`);
  return parseInterfaceDeclarations(new TextDecoder().decode(file[1]));
}

describe('repositoryWit', () => {
  it('is WIT that jco parses, with the five functions and the record the schema says', async () => {
    const wit = repositoryWit(things);
    const declared = await jcoDeclarations(wit, 'rich-things');
    expect(declared.version).toBe('0.1.0');
    expect(Object.keys(declared.functions).sort()).toEqual(['create', 'delete', 'findById', 'findMany', 'update']);
    expect(declared.types.RichThing).toBe(
      'export interface RichThing { id: string, title: string, count: bigint, big: bigint, score: number, ' +
        'done: boolean, dueAt?: bigint, meta?: string, type: string, version: bigint, createdAt: bigint, ' +
        'updatedAt: bigint, deletedAt?: bigint, deletedBy?: string, }',
    );
    // The id is made when left out; the patch can clear the nullable and optional fields.
    expect(declared.types.NewRichThing).toContain('id?: string');
    expect(declared.types.RichThingPatch).toContain('setNull: Array<string>');
    expect(declared.types.RichThingPatch).not.toContain('id?');
    expect(declared.types.Error).toContain('ErrorConflict | ErrorValidation | ErrorDuplicate');
    // What the host checks a component's import against is exactly jco's rendering.
    expect(repositoryDeclarations(repositoryInterface(things))).toEqual(declared);
  });

  it('names what cannot cross to WIT', () => {
    const base = { schema: v.object({ id: v.string() }), id: 'id' } as const;
    expect(() =>
      repositoryWit(defineRepository({ ...base, table: 'users', fields: { id: 'text', userID: 'text' } } as never)),
    ).toThrow(/field userID has no WIT name/);
    expect(() =>
      repositoryWit(defineRepository({ ...base, table: 'pages', entity: 'Page', fields: { id: 'text' } } as never)),
    ).toThrow(/entity 'Page' makes a type 'page'/);
    expect(() => repositoryWit(things, { interface: 'Things' })).toThrow(
      /interface name 'Things' is not a WIT identifier/,
    );
    expect(() => repositoryWit({} as never)).toThrow(TypeError);
  });
});
