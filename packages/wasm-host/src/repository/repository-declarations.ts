import { parseInterfaceDeclarations, type InterfaceDeclarations } from '../world/dts-declarations.js';
import {
  REPOSITORY_VERSION,
  camel,
  errorCases,
  type RepositoryInterface,
  type WitField,
} from './repository-interface.js';

const tsTypes: Readonly<Record<string, string>> = { string: 'string', s64: 'bigint', f64: 'number', bool: 'boolean' };

/**
 * The declarations jco renders for a generated repository interface (`repositoryWit`), without
 * needing jco: what the host compares a component's import with before it runs. A test holds
 * this to jco's own rendering of the WIT.
 */
export function repositoryDeclarations(r: RepositoryInterface): InterfaceDeclarations {
  const pascal = (wit: string) => camel(`-${wit}`);
  const [record, newRecord, patch] = [pascal(r.record), pascal(r.newRecord), pascal(r.patchRecord)];
  const ts = (f: WitField) => tsTypes[f.type] as string;
  const member = (f: WitField, optional: boolean) => `${f.name}${optional ? '?' : ''}: ${ts(f)},`;
  const own = r.fields.filter((f) => !f.meta);
  const idType = ts(r.id);
  const iface = (name: string, members: readonly string[]) => `export interface ${name} { ${members.join(' ')} }`;
  const variant = (name: string, cases: readonly (readonly [string, string | undefined])[]) => [
    `export type ${name} = ${cases.map(([c]) => name + pascal(c)).join(' | ')};`,
    ...cases.map(([c, val]) => iface(name + pascal(c), [`tag: '${c}',`, ...(val ? [`val: ${val},`] : [])])),
  ];
  const text = [
    `/** @module Interface ${r.qualified}@${REPOSITORY_VERSION} **/`,
    `export function findById(id: ${idType}): ${record};`,
    'export function findMany(query: Query): Page;',
    `export function create(entity: ${newRecord}): ${record};`,
    `export function update(id: ${idType}, patch: ${patch}, expectedVersion: bigint | undefined): ${record};`,
    'export { _delete as delete };',
    `function _delete(id: ${idType}, expectedVersion: bigint | undefined): ${record};`,
    iface(
      record,
      r.fields.map((f) => member(f, f.optional)),
    ),
    iface(
      newRecord,
      own.map((f) => member(f, f.optional || (f === r.id && r.idOptional))),
    ),
    iface(patch, [
      ...own.filter((f) => f !== r.id).map((f) => member(f, true)),
      ...(r.settable ? ['setNull: Array<string>,'] : []),
    ]),
    ...variant('FieldValue', [
      ['null', undefined],
      ['text', 'string'],
      ['integer', 'bigint'],
      ['real', 'number'],
      ['boolean', 'boolean'],
    ]),
    ...variant('Condition', [
      ['eq', 'FieldValue'],
      ['gt', 'FieldValue'],
      ['gte', 'FieldValue'],
      ['lt', 'FieldValue'],
      ['lte', 'FieldValue'],
      ['prefix', 'string'],
      ['in', 'Array<FieldValue>'],
    ]),
    iface('Filter', ['field: string,', 'condition: Condition,']),
    iface('OrderKey', ['field: string,', 'descending: boolean,']),
    iface('Query', ['filters: Array<Filter>,', 'orderBy: Array<OrderKey>,', 'limit?: number,', 'cursor?: string,']),
    iface('Page', [`items: Array<${record}>,`, 'cursor?: string,']),
    ...variant(
      'Error',
      errorCases.map((c) => [c, 'string'] as const),
    ),
  ].join('\n');
  return parseInterfaceDeclarations(text);
}
