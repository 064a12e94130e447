/** A JSON Schema node, as the document has it. */
type Schema = { readonly [key: string]: unknown };

/**
 * Checks a value against the JSON Schema subset the console's document uses (type, required,
 * properties, items, enum, anyOf, $ref, additionalProperties): the problems, by path.
 */
export function schemaProblems(value: unknown, schema: unknown, root: unknown, path = '$'): string[] {
  const s = (schema ?? {}) as Schema;
  if (typeof s.$ref === 'string') return schemaProblems(value, resolve(root, s.$ref), root, path);
  if (Array.isArray(s.anyOf)) {
    const each = s.anyOf.map((sub) => schemaProblems(value, sub, root, path));
    return each.some((p) => p.length === 0) ? [] : [`${path}: matches none of anyOf (${each.flat().join('; ')})`];
  }
  if (Array.isArray(s.enum) && !s.enum.includes(value))
    return [`${path}: ${JSON.stringify(value)} is not in ${JSON.stringify(s.enum)}`];
  const type = s.type as string | undefined;
  const actual = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  if (type === 'integer') return Number.isInteger(value) ? [] : [`${path}: expected an integer, got ${actual}`];
  if (type === 'number') return typeof value === 'number' ? [] : [`${path}: expected a number, got ${actual}`];
  if (type && type !== actual) return [`${path}: expected ${type}, got ${actual}`];
  if (type === 'string' && s.format === 'date-time' && Number.isNaN(Date.parse(value as string)))
    return [`${path}: not a date-time`];
  const problems: string[] = [];
  if (type === 'array' && s.items)
    for (const [i, item] of (value as unknown[]).entries())
      problems.push(...schemaProblems(item, s.items, root, `${path}[${i}]`));
  if (type === 'object') {
    const object = value as Record<string, unknown>;
    for (const key of (s.required ?? []) as string[]) if (!(key in object)) problems.push(`${path}: missing ${key}`);
    const properties = (s.properties ?? {}) as Record<string, unknown>;
    for (const [key, v] of Object.entries(object)) {
      const sub = properties[key] ?? (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined);
      if (sub) problems.push(...schemaProblems(v, sub, root, `${path}.${key}`));
    }
  }
  return problems;
}

function resolve(root: unknown, ref: string): unknown {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], root);
}
