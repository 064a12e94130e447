import { join } from 'node:path';

/**
 * Where an object's files live. A key is never a path: its UTF-8 bytes are written as lowercase
 * hex, so a file name holds only `0-9a-f` whatever the key holds (`..`, `/`, NUL, `CON`, case
 * that differs only in letters on a case-insensitive disk). Long keys are cut into folders of
 * 120 hex digits (60 bytes), which keeps every name far below the 255-byte limit of file
 * systems. Hex also keeps order: comparing hex strings compares the keys' UTF-8 bytes.
 *
 * @example
 * keyLocation('/data/files/exports', 'a/b'); // { dir: '/data/files/exports', stem: '612f62' }
 */
export const SEGMENT = 120;

export interface KeyLocation {
  /** The folder of the object's files. */
  readonly dir: string;
  /** The last hex segment: the files are `<stem>.meta` and `<stem>.<write id>.blob`. */
  readonly stem: string;
}

export function keyToHex(key: string): string {
  return Buffer.from(key, 'utf8').toString('hex');
}

export function hexToKey(hex: string): string {
  return Buffer.from(hex, 'hex').toString('utf8');
}

export function keyLocation(containerDir: string, key: string): KeyLocation {
  const hex = keyToHex(key);
  const segments: string[] = [];
  for (let i = 0; i < hex.length; i += SEGMENT) segments.push(hex.slice(i, i + SEGMENT));
  const stem = segments.pop() as string;
  return { dir: join(containerDir, ...segments), stem };
}

export const metaName = (stem: string) => `${stem}.meta`;
export const blobName = (stem: string, writeId: string) => `${stem}.${writeId}.blob`;

/** A folder name or file stem this store made: hex only. Anything else in a container is not ours and is skipped. */
export const isHexSegment = (name: string) =>
  /^[0-9a-f]+$/.test(name) && name.length % 2 === 0 && name.length <= SEGMENT;
