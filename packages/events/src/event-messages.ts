// An event on a messaging subject: the stored event as JSON, the same fields `StoredEvent` has,
// so that a machine without the store reads what one with it would. What arrives is checked as
// untrusted input: another machine, another version of the app, or anyone who may publish there.
import type { ReceivedMessage } from '@keel/core';
import { err, ok, type Result } from '@keel/core';
import * as v from 'valibot';
import { EventsError } from './events-errors.js';
import type { StoredEvent } from './event-types.js';
import type { TypeRegistry } from './event-registry.js';

const decoder = new TextDecoder('utf-8', { fatal: true });
const count = v.pipe(v.number(), v.integer(), v.minValue(0));
const envelope = v.strictObject({
  id: v.pipe(v.string(), v.minLength(1), v.maxLength(200)),
  type: v.string(),
  aggregateId: v.string(),
  data: v.unknown(),
  schemaVersion: v.pipe(count, v.minValue(1)),
  position: count,
  streamVersion: v.pipe(count, v.minValue(1)),
  occurredAt: v.pipe(v.string(), v.isoTimestamp()),
  metadata: v.strictObject({
    actor: v.optional(v.string()),
    correlationId: v.optional(v.string()),
    tenantId: v.optional(v.string()),
  }),
});

/**
 * The message `fanOutEvents` publishes for an event (by default).
 *
 * @example
 * await keel.messaging.publish('events.TaskCreated', encodeEventMessage(event), { messageId: event.id });
 */
export function encodeEventMessage(event: StoredEvent): string {
  const { id, type, aggregateId, data, schemaVersion, position, streamVersion, occurredAt, metadata } = event;
  return JSON.stringify({ id, type, aggregateId, data, schemaVersion, position, streamVersion, occurredAt, metadata });
}

/**
 * Reads a message back into a `StoredEvent`: its shape checked, its data brought up to its type's
 * current version and checked by the type's schema (when `registry` knows the type).
 * `VALIDATION` (not an event, a schema version newer than this app knows, data its schema
 * refuses), `UNKNOWN_TYPE` (a strict registry) or `UPCAST_FAILED`.
 */
export async function decodeEventMessage(
  message: Pick<ReceivedMessage, 'data'>,
  registry: TypeRegistry,
  adapter: string,
): Promise<Result<StoredEvent, EventsError>> {
  const fail = (code: 'VALIDATION', text: string, cause?: unknown) =>
    err(new EventsError({ code, message: text, adapter, op: 'receive', field: 'message', cause }));
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(message.data));
  } catch (thrown) {
    return fail('VALIDATION', 'the message is not UTF-8 JSON, so not an event', thrown);
  }
  const shape = v.safeParse(envelope, json);
  if (!shape.success) {
    const issue = shape.issues[0];
    const at = issue.path?.map((p) => String(p.key)).join('.') ?? '';
    return fail('VALIDATION', `the message is not an event: ${at ? `${at}: ` : ''}${issue.message}`, shape.issues);
  }
  const event = shape.output;
  // The same checks as at publish: the type's name, the version, upcasting, the schema.
  const checked = await registry.prepare(
    { type: event.type, aggregateId: event.aggregateId, data: event.data, version: event.schemaVersion },
    'message',
  );
  if (checked.isErr()) {
    const { code, message: text, field, cause } = checked.error;
    return err(new EventsError({ code, message: text, adapter, op: 'receive', ...(field ? { field } : {}), cause }));
  }
  const version = checked.value.schemaVersion;
  return ok({ ...event, data: checked.value.data, version, schemaVersion: version });
}
