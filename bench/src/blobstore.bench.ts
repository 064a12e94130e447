import { mkdtempSync, rmSync } from 'node:fs';
import { open, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createFsBlobstore } from '@keel/adapter-blobstore-fs';
import { createS3Blobstore } from '@keel/adapter-blobstore-s3';
import type { Blobstore } from '@keel/core';
import S3rver from 's3rver';
import { compare } from './harness.js';

/**
 * Put and get of 4 KiB, 1 MiB and 64 MiB objects: Keel's fs blobstore against raw `fs` (a plain
 * `writeFile`, and the same durable steps Keel takes — temp file, fsync, rename), and Keel's s3
 * blobstore against the raw AWS SDK client, both on an s3rver in this process on 127.0.0.1.
 * `pnpm bench blobstore`.
 */
export async function run(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'keel-bench-blobstore-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: join(root, 's3rver') });
  const { port } = (await server.run()) as { port: number };
  const endpoint = `http://127.0.0.1:${port}`;
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  const raw = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
  const stores: Blobstore[] = [
    createFsBlobstore({ root: join(root, 'keel-sync') }),
    createFsBlobstore({ root: join(root, 'keel-nosync'), sync: false }),
    createS3Blobstore({ endpoint, forcePathStyle: true, credentials, bucketPrefix: 'bench-' }),
  ];
  const [durable, fast, s3] = stores as [Blobstore, Blobstore, Blobstore];
  try {
    for (const s of stores) (await s.createContainer('box'))._unsafeUnwrap();
    const rawDir = join(root, 'raw');
    await import('node:fs/promises').then((fs) => fs.mkdir(rawDir));
    for (const [label, size, keys] of [
      ['4 KiB', 4096, 64],
      ['1 MiB', 1024 * 1024, 8],
      ['64 MiB', 64 * 1024 * 1024, 2],
    ] as const) {
      const body = Buffer.alloc(size, 7);
      let n = 0;
      const key = () => `k${n++ % keys}`;
      const options =
        size > 10_000_000
          ? { rounds: 3, roundMs: 1500, checkEvery: 1 }
          : size > 100_000
            ? { rounds: 5, roundMs: 400, checkEvery: 1 }
            : { rounds: 5, roundMs: 300, checkEvery: 4 };
      await compare(
        `fs put, ${label}`,
        [
          { name: 'raw fs writeFile (no fsync)', fn: () => writeFile(join(rawDir, key()), body) },
          { name: 'raw fs temp + fsync + rename', fn: () => durableWrite(rawDir, key(), body) },
          {
            name: 'keel fs (sync: true, default)',
            fn: async () => (await durable.write('box', key(), body))._unsafeUnwrap(),
          },
          { name: 'keel fs (sync: false)', fn: async () => (await fast.write('box', key(), body))._unsafeUnwrap() },
        ],
        options,
      );
      await compare(
        `fs get, ${label}`,
        [
          { name: 'raw fs readFile', fn: () => readFile(join(rawDir, key())) },
          {
            name: 'keel fs read + buffer',
            fn: async () => buffer((await durable.read('box', key()))._unsafeUnwrap().body),
          },
        ],
        options,
      );
      await compare(
        `s3 (s3rver) put, ${label}`,
        [
          {
            name: 'raw @aws-sdk/client-s3 PutObject',
            fn: () => raw.send(new PutObjectCommand({ Bucket: 'bench-box', Key: key(), Body: body })),
          },
          { name: 'keel s3 write', fn: async () => (await s3.write('box', key(), body))._unsafeUnwrap() },
        ],
        options,
      );
      await compare(
        `s3 (s3rver) get, ${label}`,
        [
          {
            name: 'raw @aws-sdk/client-s3 GetObject',
            fn: async () =>
              (await raw.send(new GetObjectCommand({ Bucket: 'bench-box', Key: key() }))).Body?.transformToByteArray(),
          },
          { name: 'keel s3 read + buffer', fn: async () => buffer((await s3.read('box', key()))._unsafeUnwrap().body) },
        ],
        options,
      );
    }
  } finally {
    for (const s of stores) await s.close();
    raw.destroy();
    await server.close();
    rmSync(root, { recursive: true, force: true });
  }
}

/** What a careful program does by hand for a durable file: temp, fsync, rename, fsync the folder. */
async function durableWrite(dir: string, name: string, body: Buffer): Promise<void> {
  const temp = join(dir, `${name}.tmp`);
  const file = await open(temp, 'w');
  await file.writeFile(body);
  await file.sync();
  await file.close();
  await rename(temp, join(dir, name));
  const folder = await open(dir, 'r');
  await folder.sync();
  await folder.close();
}
