import type { WasmLogLevel } from '../log/logger.js';
import type { Binding, BindingContext } from './binding.js';

/** The longest message and the most fields a record keeps; beyond them it is truncated. */
const MAX_MESSAGE = 8192;
const MAX_FIELDS = 64;

type WitFieldValue =
  | { readonly tag: 'text'; readonly val: string }
  | { readonly tag: 's64'; readonly val: bigint }
  | { readonly tag: 'f64'; readonly val: number }
  | { readonly tag: 'bool'; readonly val: boolean };

/**
 * `keel:infrastructure/log` for a guest: records land in the host's logger with the component's
 * id and hash (which a guest field cannot override). s64 fields become numbers when they fit
 * exactly and decimal strings otherwise, so that JSON loggers can write them.
 */
export function logBinding(ctx: BindingContext, granted: boolean): Binding {
  return {
    write: (level: WasmLogLevel, message: string, fields: readonly { key: string; value: WitFieldValue }[]) => {
      if (!granted) {
        ctx.denied('log', 'write', 'log is not granted');
        return;
      }
      const record: Record<string, unknown> = {};
      for (const { key, value } of fields.slice(0, MAX_FIELDS)) {
        record[key] =
          value.tag === 's64'
            ? Number.isSafeInteger(Number(value.val))
              ? Number(value.val)
              : String(value.val)
            : value.val;
      }
      if (fields.length > MAX_FIELDS) record.droppedFields = fields.length - MAX_FIELDS;
      record.component = ctx.componentId;
      record.hash = ctx.hash;
      const text = message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}… (truncated)` : message;
      ctx.logger[level]?.(record, text);
    },
  };
}
