import { buffer } from 'node:stream/consumers';
import type { Blobstore, BlobstoreCapabilities, BlobWriteOptions } from '@keel/core';
import { expect } from 'vitest';
import { expectOk } from './expect-result.js';
import { Harness, type ConformanceOptions } from './harness.js';

/** `capabilities` without `maxObjectBytes`, which the suite reads from the instance. */
export type BlobstoreConformanceOptions = ConformanceOptions<Blobstore, Omit<BlobstoreCapabilities, 'maxObjectBytes'>>;

/** The harness of the blobstore suite: fresh stores with a container made, and short helpers. */
export class BlobstoreHarness extends Harness<Blobstore, Omit<BlobstoreCapabilities, 'maxObjectBytes'>> {
  /** A fresh store with an empty container `box` in it. */
  async store(): Promise<Blobstore> {
    const store = await this.instance();
    expectOk(await store.createContainer('box'));
    return store;
  }
}

/** Writes `body` and returns its metadata, failing the test on an `Err`. */
export async function put(store: Blobstore, key: string, body: string | Uint8Array, options?: BlobWriteOptions) {
  return expectOk(await store.write('box', key, body, options));
}

/** The whole content of an object (or the range read), failing the test on an `Err`. */
export async function content(store: Blobstore, key: string, container = 'box'): Promise<string> {
  const object = expectOk(await store.read(container, key));
  return (await buffer(object.body)).toString('utf8');
}

/** Every key in a container, following cursors, with pages of `limit`. */
export async function listAll(store: Blobstore, prefix = '', limit = 1000, container = 'box'): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = expectOk(await store.list(container, { prefix, limit, ...(cursor === undefined ? {} : { cursor }) }));
    expect(page.objects.length).toBeLessThanOrEqual(limit);
    keys.push(...page.objects.map((o) => o.key));
    cursor = page.cursor;
  } while (cursor !== undefined);
  return keys;
}
