import { fileURLToPath } from 'node:url';

/** A multipart/form-data body as a browser's FormData sends it: the bytes and the content type with its boundary. */
export async function formBody(
  fields: Record<string, string>,
  file?: { name: string; bytes: Uint8Array; filename?: string },
): Promise<{ body: Buffer; contentType: string }> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  if (file)
    form.append(file.name, new Blob([file.bytes], { type: 'application/wasm' }), file.filename ?? 'module.wasm');
  const response = new Response(form);
  return {
    body: Buffer.from(await response.arrayBuffer()),
    contentType: response.headers.get('content-type') as string,
  };
}

/** A component of wasm-host's test fixtures. */
export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../../../wasm-host/fixtures/components/${name}.wasm`, import.meta.url));
}
