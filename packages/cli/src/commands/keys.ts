import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CliError, type CliIo, report } from '../cli-io.js';

/** `keel component keygen --out <name>`: an ed25519 pair, `<name>.key` (private, mode 600) and `<name>.pub`. */
export function keygen(io: CliIo, o: { out: string; json: boolean }): void {
  const base = resolve(io.cwd, o.out);
  for (const path of [`${base}.key`, `${base}.pub`])
    if (existsSync(path))
      throw new CliError('EXISTS', `${path} exists`, 'choose another --out; keys are never overwritten');
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  writeFileSync(`${base}.key`, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  writeFileSync(`${base}.pub`, publicKey.export({ type: 'spki', format: 'pem' }));
  report(
    io,
    o.json,
    { privateKey: `${base}.key`, publicKey: `${base}.pub` },
    `Wrote ${o.out}.key (keep it secret) and ${o.out}.pub (give it to the registry as a trusted key)`,
  );
}

/** `keel component sign <file.wasm> --key <name>.key`: the signature over the bytes, base64, in `<file.wasm>.sig`. */
export function signComponent(io: CliIo, o: { file: string; key: string; json: boolean }): void {
  const file = resolve(io.cwd, o.file);
  const bytes = readExisting(file, 'the component');
  let key: ReturnType<typeof createPrivateKey>;
  try {
    key = createPrivateKey(readExisting(resolve(io.cwd, o.key), 'the key'));
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(
      'BAD_KEY',
      `${o.key} is not a private key`,
      'make one with `keel component keygen --out <name>`',
    );
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new CliError(
      'BAD_KEY',
      `${o.key} is a ${key.asymmetricKeyType} key, not ed25519`,
      'make one with `keel component keygen`',
    );
  const signature = sign(null, bytes, key).toString('base64');
  writeFileSync(`${file}.sig`, `${signature}\n`);
  report(io, o.json, { signature: `${file}.sig` }, `Wrote ${o.file}.sig`);
}

export function readExisting(path: string, what: string): Buffer {
  if (!existsSync(path)) throw new CliError('NOT_FOUND', `${what} ${path} does not exist`, 'check the path');
  return readFileSync(path);
}
