import * as v from 'valibot';

/** A problem a cross-field rule found: where (relative to the object checked), what, and the value it is about. */
export interface CrossProblem {
  readonly path: readonly (string | number)[];
  readonly problem: string;
  readonly value: unknown;
}

/**
 * `schema` with a rule across its fields (`defaultRoles` must be in `roles`). Valibot skips
 * whole-object checks as soon as any field has a problem; this rule still runs, so that every
 * problem is reported at once, unless a field it `reads` (a path prefix) has a problem of its own.
 *
 * @example
 * crossChecked(v.strictObject({ min: integer(0, 9), max: integer(0, 9) }), [['min'], ['max']], (o) =>
 *   o.min > o.max ? [{ path: ['min'], problem: 'is greater than max', value: o.min }] : []);
 */
export function crossChecked<S extends v.GenericSchema>(
  schema: S,
  reads: readonly (readonly string[])[],
  find: (value: v.InferOutput<S>) => readonly CrossProblem[],
) {
  const rule = v.rawCheck<v.InferOutput<S>>(({ dataset, addIssue }) => {
    if (typeof dataset.value !== 'object' || dataset.value === null) return;
    const troubled = (dataset.issues ?? []).some((issue) => {
      const keys = (issue.path ?? []).map((item) => String(item.key));
      return reads.some((read) => read.every((key, i) => i >= keys.length || keys[i] === key));
    });
    if (troubled) return;
    for (const { path, problem, value } of find(dataset.value as v.InferOutput<S>)) {
      addIssue({ message: problem, input: value, path: pathItems(dataset.value, path) });
    }
  });
  // Typed as `schema` itself: the rule changes neither input nor output, and the declaration
  // files then name the schema instead of spelling its output type out once more per rule.
  return v.pipe(schema, rule) as unknown as S;
}

/** Valibot's path items for a path inside `root` (only `key` matters to Keel's messages). */
function pathItems(root: unknown, path: readonly (string | number)[]): [v.IssuePathItem, ...v.IssuePathItem[]] {
  let input = root as Record<string | number, unknown>;
  const items = path.map((key) => {
    const value = input?.[key];
    const item = { type: 'unknown', origin: 'value', input, key, value } as v.UnknownPathItem;
    input = value as Record<string | number, unknown>;
    return item;
  });
  return items as [v.IssuePathItem, ...v.IssuePathItem[]];
}
