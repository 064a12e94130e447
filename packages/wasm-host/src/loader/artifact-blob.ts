import { createHash } from 'node:crypto';
import type { Artifact } from './artifact.js';
import { artifactFiles, artifactFromFiles, type ArtifactMeta } from './artifact-files.js';

/**
 * One artifact as one byte string, for embedding where there are no folders (a single
 * executable's assets):
 *
 *   "KEELART1" | sha256 of everything after it (32 bytes) | header length (u32 BE) | header JSON | files
 *
 * The header is the `ArtifactMeta` plus `[name, length]` of each file, in the order they follow.
 * Reading checks the sha256 first: a damaged or truncated blob is refused whole.
 */
const MAGIC = 'KEELART1';
const PREFIX = MAGIC.length + 32 + 4;

export class ArtifactBlobError extends Error {
  override readonly name = 'ArtifactBlobError';
}

interface BlobHeader extends ArtifactMeta {
  readonly files: readonly (readonly [string, number])[];
}

export function encodeArtifactBlob(artifact: Artifact, fingerprint: string): Uint8Array {
  const files = Object.entries(artifactFiles(artifact));
  const header: BlobHeader = {
    fingerprint,
    hash: artifact.hash,
    imports: artifact.imports,
    exports: artifact.exports,
    files: files.map(([name, data]) => [name, data.byteLength] as const),
  };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(headerBytes.byteLength);
  const body = Buffer.concat([length, headerBytes, ...files.map(([, data]) => data)]);
  return Buffer.concat([Buffer.from(MAGIC, 'latin1'), createHash('sha256').update(body).digest(), body]);
}

/** The artifact and the fingerprint it was made with. Throws `ArtifactBlobError` for anything but an intact blob. */
export function decodeArtifactBlob(blob: Uint8Array): { artifact: Artifact; fingerprint: string } {
  const bytes = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (bytes.byteLength < PREFIX || bytes.toString('latin1', 0, MAGIC.length) !== MAGIC) {
    throw new ArtifactBlobError('it is not an artifact blob');
  }
  const body = bytes.subarray(MAGIC.length + 32);
  if (
    !createHash('sha256')
      .update(body)
      .digest()
      .equals(bytes.subarray(MAGIC.length, MAGIC.length + 32))
  ) {
    throw new ArtifactBlobError('its checksum does not match its bytes');
  }
  const headerLength = body.readUInt32BE(0);
  if (4 + headerLength > body.byteLength) throw new ArtifactBlobError('its header runs past the end');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8', 4, 4 + headerLength));
  } catch {
    throw new ArtifactBlobError('its header is not JSON');
  }
  const header = checkHeader(parsed);
  // Copies, not views: the caller's buffer may change after the checksum was checked.
  const files: Record<string, Uint8Array> = Object.create(null) as Record<string, Uint8Array>;
  let at = 4 + headerLength;
  for (const [name, length] of header.files) {
    if (name in files) throw new ArtifactBlobError(`its file ${name} appears twice`);
    if (at + length > body.byteLength) throw new ArtifactBlobError(`its file ${name} runs past the end`);
    files[name] = new Uint8Array(body.subarray(at, at + length));
    at += length;
  }
  if (at !== body.byteLength) throw new ArtifactBlobError('it has bytes after its last file');
  const artifact = artifactFromFiles(header, files);
  if (!artifact) throw new ArtifactBlobError('it holds no glue');
  return { artifact, fingerprint: header.fingerprint };
}

// glue.js, core/<module>, types/<declarations>: one level, no path tricks.
const FILE_NAME = /^(glue\.js|core\/[\w.-]+|types\/[\w.-]+)$/;

/** The header as written by `encodeArtifactBlob`, or `ArtifactBlobError`: a checksum says nothing about who made the bytes. */
function checkHeader(value: unknown): BlobHeader {
  const h = value as Partial<Record<keyof BlobHeader, unknown>> | null;
  const strings = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string');
  const ok =
    typeof h === 'object' &&
    h !== null &&
    typeof h.fingerprint === 'string' &&
    typeof h.hash === 'string' &&
    /^[0-9a-f]{64}$/.test(h.hash) &&
    strings(h.imports) &&
    Array.isArray(h.exports) &&
    h.exports.every(
      (e) =>
        Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && (e[1] === 'function' || e[1] === 'instance'),
    ) &&
    Array.isArray(h.files) &&
    h.files.every(
      (f) =>
        Array.isArray(f) &&
        f.length === 2 &&
        typeof f[0] === 'string' &&
        FILE_NAME.test(f[0]) &&
        Number.isSafeInteger(f[1]) &&
        f[1] >= 0,
    );
  if (!ok) throw new ArtifactBlobError('its header is not an artifact header');
  return h as BlobHeader;
}
