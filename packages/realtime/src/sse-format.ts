// Server-Sent Events framing (WHATWG HTML, "server-sent events"): fields end with LF, an event
// with an empty line; data with line breaks becomes one `data:` line per line.

/**
 * One event.
 *
 * @example
 * sseEvent({ id: 'p1', event: 'workspace.1.tasks', data: '{"id":3}' });
 */
export function sseEvent(fields: { readonly id?: string; readonly event?: string; readonly data: string }): string {
  let out = '';
  if (fields.id !== undefined) out += `id: ${fields.id}\n`;
  if (fields.event !== undefined) out += `event: ${fields.event}\n`;
  for (const line of fields.data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return `${out}\n`;
}

/** A comment line: ignored by EventSource, keeps proxies from closing an idle stream. */
export const sseHeartbeat = ': keep-alive\n\n';
