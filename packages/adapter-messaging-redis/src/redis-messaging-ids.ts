import { MessagingError, type StartPosition } from '@keel/core';

const MAX_SEQ = 18446744073709551615n;
const STREAM_ID = /^(\d{1,20})-(\d{1,20})$/;

/** The last-delivered id a new group starts after, for each start position (XGROUP CREATE's id). */
export function groupStartId(start: StartPosition, subject: string): string {
  switch (start.kind) {
    case 'all':
      return '0';
    case 'new':
      return '$';
    case 'at-time':
      return start.ms === 0 ? '0-0' : `${start.ms - 1}-${MAX_SEQ}`;
    case 'at-position': {
      const match = STREAM_ID.exec(start.position);
      if (!match)
        throw new MessagingError({
          code: 'INVALID_ARGUMENT',
          message: `start position '${start.position}' is not a Redis stream id (ms-seq)`,
          subject,
        });
      const ms = BigInt(match[1] as string);
      const seq = BigInt(match[2] as string);
      // Inclusive: start after the id just before it.
      if (seq > 0n) return `${ms}-${seq - 1n}`;
      return ms > 0n ? `${ms - 1n}-${MAX_SEQ}` : '0-0';
    }
  }
}

/** When an entry was stored: the milliseconds part of its id. */
export const publishedAt = (id: string) => Number(id.slice(0, id.indexOf('-')));

/** A token names the stream entry and the consumer: `subject|consumer|id` (neither name has a `|`). */
export function makeToken(subject: string, consumer: string, id: string): string {
  return `${subject}|${consumer}|${id}`;
}

export function parseToken(token: string): { subject: string; consumer: string; id: string } | undefined {
  const first = token.indexOf('|');
  const second = token.indexOf('|', first + 1);
  // Two bars, with a name before each: a third bar would land in the id, which the pattern refuses.
  if (first < 1 || second < first + 2) return undefined;
  const id = token.slice(second + 1);
  if (!STREAM_ID.test(id)) return undefined;
  return { subject: token.slice(0, first), consumer: token.slice(first + 1, second), id };
}
