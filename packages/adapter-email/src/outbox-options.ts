import { resolve } from 'node:path';
import { integer, option } from '@keel/core/adapter';
import * as v from 'valibot';
import { nonBlank } from './option-builders.js';
import { idempotencyOption, reliabilityClock } from './reliability-options.js';

const schema = v.strictObject({
  folder: option(
    v.pipe(
      nonBlank(),
      v.transform((folder) => resolve(folder)),
    ),
    {
      defaultText: 'memory only',
      description: 'Also write each message as an `.eml` file (RFC 5322, CRLF) into this folder, created if missing.',
    },
  ),
  keep: option(integer(0, 10_000_000), {
    default: 1000,
    description: 'Messages kept in memory, oldest dropped first; `0` keeps none (files only).',
  }),
  idempotency: idempotencyOption('60000'),
  clock: reliabilityClock,
});

type Schema = typeof schema;
/** The schema's type, named so that declarations name it. */
export interface OutboxOptionsSchema extends Schema {}
/** The options of `createOutboxEmail` and the `outbox` adapter, declared once. */
export const outboxOptions: OutboxOptionsSchema = schema;

/** Options of `createOutboxEmail`. */
export type OutboxEmailOptions = v.InferInput<typeof outboxOptions>;
/** The options with every default filled in. */
export type ResolvedOutboxOptions = v.InferOutput<typeof outboxOptions>;
