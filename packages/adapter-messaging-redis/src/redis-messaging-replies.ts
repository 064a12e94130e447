import type { MessagingHeader, ReceivedMessage } from '@keel/core';
import { makeToken, publishedAt } from './redis-messaging-ids.js';

/** A stream entry as the pull script answers it: id, fields, deliveries so far. */
export type Entry = [Buffer, Buffer[] | null, number];
/** XREADGROUP's reply as bytes: per stream, its name and entries; null when nothing is new. */
export type StreamReply = [Buffer, [Buffer, Buffer[]][]][] | null;

const decoder = new TextDecoder();

/** The messages of an XREADGROUP reply: first deliveries. */
export function fresh(subject: string, consumer: string, reply: StreamReply): ReceivedMessage[] {
  const entries = reply?.[0]?.[1];
  if (!entries) return [];
  const out = new Array<ReceivedMessage>(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const [id, fields] = entries[i] as [Buffer, Buffer[]];
    out[i] = received(subject, consumer, [id, fields, 1]);
  }
  return out;
}

/** One delivered entry as the contract's message, its token naming the consumer. */
export function received(subject: string, consumer: string, [idBytes, fields, deliveries]: Entry): ReceivedMessage {
  const id = idBytes.toString();
  let data = new Uint8Array();
  let headers: MessagingHeader[] = [];
  let messageId: string | undefined;
  for (let i = 0; fields && i < fields.length; i += 2) {
    // Every field name is one letter: compared as a byte, not decoded.
    const name = fields[i] as Buffer;
    const field = name.length === 1 ? name[0] : 0;
    const value = fields[i + 1] as Buffer;
    if (field === 0x64 /* d */) data = new Uint8Array(value);
    else if (field === 0x68 /* h */) headers = decodeHeaders(decoder.decode(value));
    else if (field === 0x6d /* m */) messageId = value.toString();
  }
  return {
    subject,
    position: id,
    data,
    headers,
    messageId,
    publishedAtMs: publishedAt(id),
    deliveries: Number(deliveries),
    token: makeToken(subject, consumer, id),
  };
}

/** `[[name, value], …]`; Lua's cjson writes an empty list as `{}`. */
function decodeHeaders(json: string): MessagingHeader[] {
  const parsed = JSON.parse(json) as unknown;
  return Array.isArray(parsed) ? parsed.map(([name, value]: [string, string]) => ({ name, value })) : [];
}
