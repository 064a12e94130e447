import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Email, EmailReceipt, AdapterDefinition } from '@keel/core';
import { defineAdapter, parseOptions, type NormalizedEmail } from '@keel/core/adapter';
import nodemailer from 'nodemailer';
import { type InstanceSource, withoutContainer } from './instances.js';
import { bareMessageId, recipients, toMailOptions } from './mime-message.js';
import {
  outboxOptions,
  type OutboxEmailOptions,
  type ResolvedOutboxOptions,
  type OutboxOptionsSchema,
} from './outbox-options.js';
import { idempotencyNeeds, idempotencyPolicy } from './reliability.js';
import { reliableEmail, sameLimits } from './reliable-driver.js';

/** One message the dev outbox took. */
export interface OutboxEntry {
  readonly receipt: EmailReceipt;
  /** The message as the adapter received it, after core's validation. */
  readonly message: NormalizedEmail;
  /** The RFC 5322 message that would have been sent (Bcc kept, so it can be checked). */
  readonly eml: Buffer;
  /** The `.eml` file, when the outbox writes to a folder. */
  readonly file: string | undefined;
  /** When it was taken, ms since the epoch. */
  readonly at: number;
}

/** The dev outbox: an `Email` that delivers nothing, and the messages it took. */
export interface OutboxEmail extends Email {
  /** Messages taken, oldest first (at most `keep`). */
  messages(): readonly OutboxEntry[];
  /** Forgets the messages kept in memory (files stay). */
  clear(): void;
}

const capabilities = { delivers: false, attachments: true, inlineImages: true, customHeaders: true, tags: true };
const limits = { maxRecipients: 1000, maxMessageBytes: 20 * 1024 * 1024, maxAttachments: 100 };

/**
 * A provider for development and tests: builds the real MIME message with nodemailer and keeps
 * it in memory and, with `folder`, as an `.eml` file a mail client opens as is. Tags and
 * metadata, which only an API provider would read, appear as `X-Keel-Tags` and
 * `X-Keel-Metadata` headers (JSON). Declares `delivers: false`, so production config can refuse it.
 *
 * @example
 * import { createOutboxEmail } from '@keel/adapter-email';
 * const email = createOutboxEmail({ folder: '.keel/outbox' });
 * await email.send({ from: 'app@example.com', to: ['ada@example.com'], subject: 'Hi', text: 'Hello' });
 * email.messages()[0]?.eml.toString(); // the raw message
 */
export function createOutboxEmail(options: OutboxEmailOptions = {}): OutboxEmail {
  const parsed = parseOptions(outboxOptions, options, 'createOutboxEmail');
  return buildOutboxEmail(parsed, withoutContainer('createOutboxEmail', idempotencyNeeds(parsed)));
}

/**
 * Registers the adapter as `outbox`, so that config can choose it.
 *
 * @example
 * const config = { email: { adapter: 'outbox', options: { folder: '.keel/outbox' } } } as const;
 * await createKeel(config, { adapters: [outboxAdapter] });
 */
export const outboxAdapter: AdapterDefinition<'email', OutboxOptionsSchema> = defineAdapter({
  interface: 'email',
  id: 'outbox',
  package: '@keel/adapter-email',
  options: outboxOptions,
  needs: (options) => idempotencyNeeds(options),
  create: (options, context) => buildOutboxEmail(options, context),
});

/** A dev outbox from checked options; `source` finds the kv that `idempotency.kv` names. */
export function buildOutboxEmail(options: ResolvedOutboxOptions, source: InstanceSource): OutboxEmail {
  const { folder, keep, clock } = options;
  const idempotency = idempotencyPolicy(options.idempotency, 60_000, source);
  const kept: OutboxEntry[] = [];
  const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  let counter = 0;

  const email = reliableEmail(
    {
      adapter: 'outbox',
      capabilities,
      limits,
      async open() {
        if (folder !== undefined) await mkdir(folder, { recursive: true });
      },
      health: () => ({ kept: kept.length, ...(folder === undefined ? {} : { folder }) }),
      async deliver(message) {
        const info = await composer.sendMail(toMailOptions(message, annotations(message)));
        const eml = info.message as Buffer;
        const at = clock.now();
        const messageId = bareMessageId(info.messageId);
        let file: string | undefined;
        if (folder !== undefined) {
          // Names sort in sending order: time, then a per-instance counter.
          file = join(
            folder,
            `${new Date(at).toISOString().replace(/[:.]/g, '-')}-${process.pid}-${String(++counter).padStart(8, '0')}.eml`,
          );
          await writeFile(file, eml, { flag: 'wx' });
        }
        const receipt = { messageId, provider: 'outbox', accepted: recipients(message) };
        if (keep > 0) {
          kept.push({ receipt, message, eml, file, at });
          if (kept.length > keep) kept.splice(0, kept.length - keep);
        }
        return receipt;
      },
    },
    {
      timeoutMs: 60_000,
      retry: undefined,
      breaker: undefined,
      idempotency,
      clock,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      random: Math.random,
    },
  );
  return sameLimits(email, Object.freeze({ ...email, messages: () => [...kept], clear: () => void kept.splice(0) }));
}

/** Tags and metadata as JSON headers, left readable when ASCII (nodemailer would encode the quotes). */
function annotations(message: NormalizedEmail): { key: string; value: string }[] {
  const header = (key: string, data: unknown) => {
    const json = JSON.stringify(data);
    return {
      key,
      value: (/^[\x20-\x7e]*$/.test(json) ? { prepared: true, foldLines: true, value: json } : json) as string,
    };
  };
  return [
    ...(message.tags.length ? [header('X-Keel-Tags', message.tags)] : []),
    ...(Object.keys(message.metadata).length ? [header('X-Keel-Metadata', message.metadata)] : []),
  ];
}
