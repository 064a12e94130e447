// The SSE event id: where the connection is in each of its subjects, so that the browser's
// `Last-Event-ID` (the id of the last event it saw) resumes every subject, not only the one the
// last event came from. One entry per subject, in the order the URL asks for them: `p<position>`
// after a message (the adapter's opaque position, percent-encoded), `t<ms>` before any (the time
// the stream began, read back as `at-time`).

/** A connection's place in one subject. */
export type SubjectCursor =
  | { readonly kind: 'position'; readonly position: string }
  | { readonly kind: 'time'; readonly ms: number };

/** Longest `Last-Event-ID` read; a longer one is refused rather than parsed. */
export const maxEventIdLength = 4096;
const MAX_POSITION_LENGTH = 256;
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * The id of an event.
 *
 * @example
 * encodeCursor([{ kind: 'position', position: '17' }, { kind: 'time', ms: 1700000000000 }]); // 'p17 t1700000000000'
 */
export function encodeCursor(cursors: readonly SubjectCursor[]): string {
  return cursors.map((c) => (c.kind === 'position' ? `p${encodeURIComponent(c.position)}` : `t${c.ms}`)).join(' ');
}

/**
 * Reads a `Last-Event-ID` for `count` subjects; `undefined` when it is not one this handler wrote
 * (too long, a wrong number of entries, a bad entry).
 */
export function parseCursor(id: string, count: number): SubjectCursor[] | undefined {
  if (id.length > maxEventIdLength) return undefined;
  const entries = id.split(' ');
  if (entries.length !== count) return undefined;
  const cursors: SubjectCursor[] = [];
  for (const entry of entries) {
    const rest = entry.slice(1);
    if (entry.startsWith('t') && /^\d{1,15}$/.test(rest)) {
      cursors.push({ kind: 'time', ms: Number(rest) });
      continue;
    }
    if (!entry.startsWith('p') || rest === '') return undefined;
    let position: string;
    try {
      position = decodeURIComponent(rest);
    } catch {
      return undefined;
    }
    if (position.length > MAX_POSITION_LENGTH || CONTROL.test(position)) return undefined;
    cursors.push({ kind: 'position', position });
  }
  return cursors;
}
