import { err } from '@keel/core';
import { EventsError } from './events-errors.js';
import { rawEvent, storedEvent } from './event-rows.js';
import { describeFailure, invoke } from './delivery.js';
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
  for (const row of found.value.rows) {
    const raw = rawEvent(row);
    const attempts = Number(row[10]);
    const event = storedEvent(raw, registry);
    let failure: unknown;
    if (event.isErr()) failure = event.error;
    else if (o.transactional) {
      let handlerError: unknown;
      const done = await sql.transaction(async (tx) => {
        const handled = await invoke(handler, event.value, { group: o.group, attempt: attempts + 1, tx });
        if (handled.isErr()) {
          handlerError = handled.error;
          return err(handled.error);
        }
        return tx.execute(g.unbury, [o.group, raw.position]).map(() => undefined);
      });
      if (done.isErr()) failure = handlerError ?? done.error;
    } else {
      const handled = await invoke(handler, event.value, { group: o.group, attempt: attempts + 1 });
      if (handled.isErr()) failure = handled.error;
      else await sql.execute(g.unbury, [o.group, raw.position]);
    }
    if (failure === undefined) continue;
    const why = describeFailure(failure);
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
