import { err, ok, type Result, type SqlValue } from '@keel/core';
import type { EventsError } from './events-errors.js';
import type { TypeRegistry } from './event-registry.js';
import type { EventMetadata, StoredEvent } from './event-types.js';

/** A row of `eventColumns`, decoded but not yet upcast. */
export interface RawEvent {
  readonly position: number;
  readonly id: string;
  readonly aggregateId: string;
  readonly streamVersion: number;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: string;
  readonly metadata: string;
  readonly occurredAt: number;
  readonly bucket: number;
  /** The publisher's trace context (JSON), read by deliveries only. */
  readonly trace: string | null;
}

/** Reads one row of `eventColumns`, and `trace_context` after them when `traced` (integers may arrive as bigint). */
export function rawEvent(row: readonly SqlValue[], traced = false): RawEvent {
  const [position, id, aggregateId, streamVersion, type, schemaVersion, data, metadata, occurredAt, bucket, trace] =
    row;
  return {
    position: Number(position),
    id: id as string,
    aggregateId: aggregateId as string,
    streamVersion: Number(streamVersion),
    type: type as string,
    schemaVersion: Number(schemaVersion),
    data: data as string,
    metadata: metadata as string,
    occurredAt: Number(occurredAt),
    bucket: Number(bucket),
    trace: traced && typeof trace === 'string' ? trace : null,
  };
}

/** The event as handed out: data parsed and upcast to its type's current version. */
export function storedEvent(raw: RawEvent, registry: TypeRegistry): Result<StoredEvent, EventsError> {
  const upcast = registry.upcast(raw.type, raw.schemaVersion, JSON.parse(raw.data));
  if (upcast.isErr()) return err(upcast.error);
  return ok(
    Object.freeze({
      id: raw.id,
      position: raw.position,
      type: raw.type,
      aggregateId: raw.aggregateId,
      streamVersion: raw.streamVersion,
      data: upcast.value.data,
      version: upcast.value.version,
      schemaVersion: upcast.value.version,
      occurredAt: new Date(raw.occurredAt).toISOString(),
      metadata: Object.freeze(JSON.parse(raw.metadata) as EventMetadata),
    }),
  );
}

/** Every row of a result as events, or the first that cannot be upcast. */
export function storedEvents(
  rows: readonly (readonly SqlValue[])[],
  registry: TypeRegistry,
): Result<StoredEvent[], EventsError> {
  const out: StoredEvent[] = [];
  for (const row of rows) {
    const event = storedEvent(rawEvent(row), registry);
    if (event.isErr()) return err(event.error);
    out.push(event.value);
  }
  return ok(out);
}
