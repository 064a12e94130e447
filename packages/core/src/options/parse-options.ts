import * as v from 'valibot';
import { describeValue } from '../errors/describe-value.js';
import { closest } from './closest.js';
import { typeName } from './describe-options.js';
import { entriesAt, unwrap } from './schema-walk.js';

/** One problem with an adapter's options: where (`limits.maxKeyBytes`) and what. */
export interface OptionIssue {
  readonly path: string;
  readonly problem: string;
}

/**
 * An adapter's options cannot work. Thrown by its factory (a programming mistake); `createKeel`
 * turns each issue into a config issue with the full path (`kv.options.sweepIntervalMs: …`).
 */
export class KeelOptionsError extends TypeError {
  override readonly name = 'KeelOptionsError';
  readonly issues: readonly OptionIssue[];

  constructor(
    /** The factory or place that read the options (`createMemoryKv`). */
    readonly where: string,
    issues: readonly OptionIssue[],
  ) {
    super(`${where}: ${issues.map((i) => `${i.path}: ${i.problem}`).join('; ')}`);
    this.issues = issues;
  }
}

/**
 * Checks `input` against an options schema and returns the options with defaults filled in, or
 * throws one `KeelOptionsError` listing every problem with its path; an unknown field gets a
 * "did you mean".
 *
 * @example
 * const { sweepIntervalMs } = parseOptions(memoryKvOptions, options, 'createMemoryKv');
 */
export function parseOptions<S extends v.GenericSchema>(schema: S, input: unknown, where: string): v.InferOutput<S> {
  const result = v.safeParse(schema, input === undefined ? {} : input, { abortEarly: false });
  if (result.success) return result.output;
  throw new KeelOptionsError(where, optionIssues(schema, result.issues));
}

/** Valibot's issues in Keel's words, one per problem, leaves only. */
export function optionIssues(schema: v.GenericSchema, issues: readonly v.BaseIssue<unknown>[]): OptionIssue[] {
  return issues.map((issue) => {
    const keys = (issue.path ?? []).map((item) => item.key as string | number);
    const path = keys.length === 0 ? '(options)' : formatPath(keys);
    if (issue.type === 'strict_object' && issue.expected === 'never') {
      const known = Object.keys(entriesAt(schema, keys.slice(0, -1)) ?? {});
      const hint = closest(String(keys.at(-1)), known);
      return {
        path,
        problem: `is not an option${hint ? `; did you mean '${hint}'?` : ''} (known: ${known.join(', ') || 'none'})`,
      };
    }
    if (issue.input === undefined && issue.kind === 'schema' && issue.type.endsWith('object')) {
      // A missing required field: say what it takes, from the field's own schema.
      const field = entriesAt(schema, keys.slice(0, -1))?.[String(keys.at(-1))];
      return { path, problem: `is required (${field ? typeName(unwrap(field) as v.GenericSchema) : 'a value'})` };
    }
    const message = issue.message.startsWith('Invalid ') ? `expected ${issue.expected}` : issue.message;
    if (issue.input === undefined) return { path, problem: `is required (${message})` };
    return { path, problem: `${message}, got ${describeValue(issue.input)}` };
  });
}

function formatPath(keys: readonly (string | number)[]): string {
  return keys.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
}
