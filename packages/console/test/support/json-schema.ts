/**
 * Checks a value against the JSON Schema subset the console's document uses (type, required,
 * properties, items, enum, anyOf, $ref, additionalProperties): the problems, by path.
 */
export function schemaProblems(value: unknown, schema: any, root: any, path = '$'): string[] {
  if (schema.$ref) return schemaProblems(value, resolve(root, schema.$ref), root, path);
  if (schema.anyOf) {
    const each = schema.anyOf.map((s: unknown) => schemaProblems(value, s, root, path));
    return each.some((p: string[]) => p.length === 0) ? [] : [`${path}: matches none of anyOf (${each.flat().join('; ')})`];
  }
  if (schema.enum && !schema.enum.includes(value)) return [`${path}: ${JSON.stringify(value)} is not in ${JSON.stringify(schema.enum)}`];
  const type = schema.type as string | undefined;
  const actual = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  if (type === 'integer') return Number.isInteger(value) ? [] : [`${path}: expected an integer, got ${actual}`];
  if (type === 'number') return typeof value === 'number' ? [] : [`${path}: expected a number, got ${actual}`];
  if (type && type !== actual) return [`${path}: expected ${type}, got ${actual}`];
  if (type === 'string' && schema.format === 'date-time' && Number.isNaN(Date.parse(value as string)))
    return [`${path}: not a date-time`];
  const problems: string[] = [];
  if (type === 'array' && schema.items)
    (value as unknown[]).forEach((item, i) => problems.push(...schemaProblems(item, schema.items, root, `${path}[${i}]`)));
  if (type === 'object') {
    const object = value as Record<string, unknown>;
    for (const key of schema.required ?? []) if (!(key in object)) problems.push(`${path}: missing ${key}`);
    for (const [key, v] of Object.entries(object)) {
      const sub = schema.properties?.[key] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
      if (sub) problems.push(...schemaProblems(v, sub, root, `${path}.${key}`));
    }
  }
  return problems;
}

function resolve(root: any, ref: string): unknown {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .reduce((node, key) => node?.[key], root);
}
