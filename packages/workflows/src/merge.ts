import type { Json } from './workflow-definition.js';

type JsonObject = { readonly [key: string]: Json };

const isObject = (v: Json | undefined): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * The context with a transforming step's output merged in: objects merge key by key, at any
 * depth, so what the step did not set stays; anything else (a list, a number, `null`) replaces.
 */
export function mergeInto(context: Json, output: Json): Json {
  if (!isObject(context) || !isObject(output)) return output;
  const merged: Record<string, Json> = { ...context };
  for (const [key, value] of Object.entries(output)) merged[key] = mergeInto(merged[key] as Json, value);
  return merged;
}
