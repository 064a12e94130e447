/** What the builder records in the executable beside the app, read back by the runtime. */
export interface SeaManifest {
  readonly version: 1;
  /** Asset key of each native addon → its file name and sha256. */
  readonly addons: Readonly<Record<string, { readonly file: string; readonly sha256: string }>>;
  /** Asset key of each embedded file (wasm components, …) → its sha256. */
  readonly assets: Readonly<Record<string, string>>;
}

export const MANIFEST_KEY = 'keel-sea/manifest.json';
export const ADDON_PREFIX = 'keel-sea/addons/';
