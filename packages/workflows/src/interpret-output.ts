import { err, ok, type Result } from '@keel/core';
import { type CompiledStep, isJson } from './validate-definition.js';
import { isComponentStep, type Json } from './workflow-definition.js';
import type { ValidationIssue } from './workflows-errors.js';
import type { RecordedError } from './workflows-types.js';

/** What a step's output means for the run: the output kept, where the run goes, whether it merges. */
export interface Interpreted {
  readonly output: Json;
  readonly next: readonly string[];
  readonly merge: boolean;
}

/**
 * Reads a step's result by its kind: JSON (parsed first for a component of `output: 'json'`), an
 * object for a transform, no issues for a validation, and next steps among its `routes` for a route.
 */
export function interpret(step: CompiledStep, result: unknown): Result<Interpreted, RecordedError> {
  const invalid = (message: string) =>
    err({ code: 'INVALID_OUTPUT', message: `step '${step.id}': ${message}`, step: step.id });
  let value = result === undefined ? null : result;
  if (isComponentStep(step.definition) && step.definition.output === 'json') {
    if (typeof value !== 'string') return invalid(`expected JSON text from ${step.definition.export}`);
    const text = value;
    try {
      value = JSON.parse(text);
    } catch {
      return invalid(`its output is not JSON: ${text.slice(0, 100)}`);
    }
  }
  if (!isJson(value)) return invalid('its output is not JSON');
  const output = value as Json;
  switch (step.kind) {
    case 'transform':
      if (output === null || typeof output !== 'object' || Array.isArray(output))
        return invalid('a transform step returns an object to merge into the context');
      return ok({ output, next: step.edges, merge: true });
    case 'validate': {
      const issues = Array.isArray(output) ? output : ((output as { errors?: Json } | null)?.errors ?? []);
      if (!Array.isArray(issues)) return invalid('a validate step returns a list of issues, or { errors: [...] }');
      if (issues.length === 0) return ok({ output, next: step.edges, merge: false });
      const errors = issues.map(issue);
      return err({
        code: 'VALIDATION',
        message: `step '${step.id}' found ${errors.length} problem(s): ${errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; ')}`,
        step: step.id,
        errors,
      });
    }
    case 'route': {
      const chosen =
        output !== null && typeof output === 'object' && !Array.isArray(output)
          ? (output as { next?: Json }).next
          : output;
      const next = chosen === null ? [] : typeof chosen === 'string' ? [chosen] : chosen;
      if (!Array.isArray(next) || !next.every((n) => typeof n === 'string'))
        return invalid('a route step returns the next step(s): a step id, a list of them, or null');
      const unknown = next.find((n) => !step.edges.includes(n));
      if (unknown !== undefined) {
        return err({
          code: 'ROUTE_UNKNOWN',
          message: `step '${step.id}' routed to '${unknown}', which is not one of its routes (${step.edges.join(', ')})`,
          step: step.id,
        });
      }
      return ok({ output, next: [...new Set(next as string[])], merge: false });
    }
    default:
      return ok({ output, next: step.edges, merge: false });
  }
}

function issue(value: Json): ValidationIssue {
  if (typeof value === 'string') return { message: value };
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const { path, message } = value as { path?: Json; message?: Json };
    return {
      ...(path === undefined || path === null ? {} : { path: String(path) }),
      message: typeof message === 'string' ? message : JSON.stringify(value),
    };
  }
  return { message: JSON.stringify(value) };
}
