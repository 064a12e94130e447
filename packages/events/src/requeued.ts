import { err } from '@keel/core';
import { EventsError } from './events-errors.js';
import { rawEvent, storedEvent } from './event-rows.js';
import { describeFailure, invoke } from './delivery.js';
import { deliverySpan, endDelivery } from './event-tracing.js';
import type { StoredEvent } from './event-types.js';
import type { WorkerSetup } from './worker-setup.js';

/**
 * Delivers the requeued dead letters of one partition, one try each: a success removes the
 * dead letter (in the handler's transaction when the subscription is transactional), a failure
 * puts it back with one more attempt. They come out of stream order by nature: later events of
 * their aggregates were handled while they lay dead.
 */
export async function redeliverRequeued(setup: WorkerSetup, part: number): Promise<void> {
  const { parts, g, options: o, handler, report } = setup;
  const { sql, clock, registry } = parts;
  const found = await sql.query(g.requeued, [o.group, o.partitions, part, o.batchSize]);
  if (found.isErr()) {
    report(
      new EventsError({
        code: 'SQL',
        message: `reading requeued dead letters failed: ${found.error.message}`,
        adapter: parts.adapter,
        op: 'subscribe',
        cause: found.error,
      }),
    );
    return;
  }
  const { observability } = parts;
  for (const row of found.value.rows) {
    const raw = rawEvent(row, true);
    const attempts = Number(row[11]);
    const event = storedEvent(raw, registry);
    const once = async (value: StoredEvent): Promise<unknown> => {
      if (o.transactional) {
        let handlerError: unknown;
        const done = await sql.transaction(async (tx) => {
          const handled = await invoke(handler, value, { group: o.group, attempt: attempts + 1, tx });
          if (handled.isErr()) {
            handlerError = handled.error;
            return err(handled.error);
          }
          return tx.execute(g.unbury, [o.group, raw.position]).map(() => undefined);
        });
        return done.isErr() ? (handlerError ?? done.error) : undefined;
      }
      const handled = await invoke(handler, value, { group: o.group, attempt: attempts + 1 });
      if (handled.isErr()) return handled.error;
      await sql.execute(g.unbury, [o.group, raw.position]);
      return undefined;
    };
    let failure: unknown;
    if (event.isErr()) failure = event.error;
    else {
      const watch = observability?.tracing ? deliverySpan(observability, raw, o.group, attempts + 1) : undefined;
      failure = watch ? await watch.within(() => once(event.value)) : await once(event.value);
      endDelivery(watch, failure === undefined ? 'delivered' : 'dead');
    }
    if (failure === undefined) continue;
    const why = describeFailure(failure);
    setup.log.error(
      {
        group: o.group,
        position: raw.position,
        type: raw.type,
        stream: raw.aggregateId,
        attempt: attempts + 1,
        error: why,
      },
      'events: requeued event failed again; dead-lettered',
    );
    report(
      new EventsError({
        code: 'HANDLER_FAILED',
        message: `group '${o.group}' failed again on requeued event ${raw.position}: ${why}`,
        adapter: parts.adapter,
        op: 'subscribe',
        cause: failure,
      }),
    );
    await sql.execute(g.reburied, [attempts + 1, why, clock.now(), o.group, raw.position]);
  }
}
