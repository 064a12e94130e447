import type { Artifact } from './artifact.js';

/** What an artifact holds besides its files, kept beside them on disk and in an embedded blob. */
export interface ArtifactMeta {
  /** `transpilerFingerprint()` of the host that made it. */
  readonly fingerprint: string;
  readonly hash: string;
  readonly imports: Artifact['imports'];
  readonly exports: Artifact['exports'];
}

/**
 * An artifact as named files, the layout shared by cache entries on disk and embedded blobs:
 * `glue.js`, `core/<module>` and `types/<declaration file>`.
 */
export function artifactFiles(artifact: Artifact): Record<string, Uint8Array> {
  const encoder = new TextEncoder();
  const files: Record<string, Uint8Array> = { 'glue.js': encoder.encode(artifact.glue) };
  for (const [name, data] of Object.entries(artifact.coreModules)) files[`core/${name}`] = data;
  for (const [name, text] of Object.entries(artifact.declarations)) files[`types/${name}`] = encoder.encode(text);
  return files;
}

/** The artifact back from its files; `undefined` without glue. */
export function artifactFromFiles(
  meta: ArtifactMeta,
  files: Readonly<Record<string, Uint8Array>>,
): Artifact | undefined {
  const glue = files['glue.js'];
  if (!glue) return undefined;
  const decoder = new TextDecoder();
  const pick = (prefix: string) =>
    Object.entries(files)
      .filter(([file]) => file.startsWith(prefix))
      .map(([file, data]) => [file.slice(prefix.length), data] as const);
  return {
    hash: meta.hash,
    glue: decoder.decode(glue),
    coreModules: Object.fromEntries(pick('core/')),
    declarations: Object.fromEntries(pick('types/').map(([name, data]) => [name, decoder.decode(data)])),
    imports: meta.imports,
    exports: meta.exports,
  };
}
