import { buffer } from 'node:stream/consumers';
import fc from 'fast-check';
import { expect } from 'vitest';
import type { BlobMetadata, Blobstore, BlobWriteOptions, Result, ResultAsync } from '@keel/core';
import { expectOk } from './expect-result.js';
import type { BlobstoreHarness } from './blobstore-harness.js';
import { createReferenceBlobstore } from './reference-blobstore.js';

interface Pair {
  readonly real: Blobstore;
  readonly model: Blobstore;
  readonly elapse: (ms: number) => Promise<void>;
}

type Step = fc.AsyncCommand<object, Pair>;

// Few keys, sharing prefixes, so that commands meet the same objects and listings cross them.
const keyArbitrary = fc.constantFrom('a', 'a/b', 'a/b/c', 'a/c', 'ab', 'b', 'é', '😀/x', '..a');
const contentArbitrary = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
);

/** Metadata as both sides agree on it: etags differ by design (S3's MD5, a SHA-256), so equality of etags is compared by the steps instead. */
function comparableMetadata(m: BlobMetadata): unknown {
  const { etag: _etag, ...rest } = m;
  return rest;
}

async function comparable(result: Result<unknown, unknown>): Promise<unknown> {
  if (result.isErr()) return { error: (result.error as { code: string }).code };
  const value = result.value as Record<string, unknown> | undefined;
  if (value && typeof value === 'object' && 'body' in value && 'metadata' in value) {
    const bytes = await buffer(value.body as NodeJS.ReadableStream);
    return { metadata: comparableMetadata(value.metadata as BlobMetadata), content: bytes.toString('hex') };
  }
  if (value && typeof value === 'object' && 'objects' in value) {
    return { ...value, objects: (value.objects as BlobMetadata[]).map(comparableMetadata) };
  }
  if (value && typeof value === 'object' && 'etag' in value)
    return comparableMetadata(value as unknown as BlobMetadata);
  return { ok: value };
}

function step(
  label: string,
  call: (store: Blobstore) => ResultAsync<unknown, unknown> | Promise<Result<unknown, unknown>>,
): Step {
  return {
    check: () => true,
    async run(_, { real, model }) {
      const r = await call(real);
      const m = await call(model);
      expect(await comparable(r), label).toEqual(await comparable(m));
    },
    toString: () => label,
  };
}

/** The etag a store holds for a key now (each side its own), or a stale one. */
async function currentEtag(store: Blobstore, key: string): Promise<string> {
  const found = await store.stat('box', key);
  return (found.isOk() && found.value?.etag) || 'no-such-etag';
}

/**
 * The contract against the reference model under random commands: writes (with content types,
 * expiry and conditions where the adapter has them), reads whole and by range, stat, exists,
 * delete, copy, and listings paged through with cursors. Both sides share the manual clock.
 */
export function modelTests(h: BlobstoreHarness): void {
  const numRuns = h.options.numRuns ?? 30;
  const { expiry, conditionalWrites, ranges } = h.options.capabilities;
  const manualTime = h.options.time !== 'real';
  const ttl =
    expiry && manualTime ? fc.option(fc.integer({ min: 1, max: 3000 }), { nil: undefined }) : fc.constant(undefined);
  const contentType = fc.option(fc.constantFrom('text/plain', 'image/png', 'application/json; charset=utf-8'), {
    nil: undefined,
  });
  const writeOptions = (type: string | undefined, ttlMs: number | undefined): BlobWriteOptions => ({
    ...(type === undefined ? {} : { contentType: type }),
    ...(ttlMs === undefined ? {} : { ttlMs }),
  });

  const commands = [
    fc
      .tuple(keyArbitrary, contentArbitrary, contentType, ttl)
      .map(([k, c, t, l]) =>
        step(`write(${k}, ${JSON.stringify(c)}, ${t}, ${l})`, (s) =>
          s.write('box', k, Buffer.from(c, 'latin1'), writeOptions(t, l)),
        ),
      ),
    fc.tuple(keyArbitrary, fc.array(contentArbitrary, { maxLength: 4 })).map(([k, parts]) =>
      step(`write-stream(${k}, ${parts.length} chunks)`, (s) =>
        s.write(
          'box',
          k,
          (async function* () {
            for (const p of parts) yield Buffer.from(p, 'latin1');
          })(),
        ),
      ),
    ),
    keyArbitrary.map((k) => step(`read(${k})`, (s) => s.read('box', k))),
    keyArbitrary.map((k) => step(`stat(${k})`, (s) => s.stat('box', k))),
    keyArbitrary.map((k) => step(`exists(${k})`, (s) => s.exists('box', k))),
    keyArbitrary.map((k) => step(`delete(${k})`, (s) => s.delete('box', k))),
    fc
      .tuple(keyArbitrary, keyArbitrary)
      .map(([from, to]) => step(`copy(${from}, ${to})`, (s) => s.copy('box', from, 'box', to))),
    fc.tuple(fc.constantFrom('', 'a', 'a/', 'a/b', 'b', 'z'), fc.integer({ min: 1, max: 4 }), fc.boolean()).map(
      ([prefix, limit, all]) =>
        ({
          check: () => true,
          async run(_, pair: Pair) {
            // Every page, following cursors: each side's cursor on its own side.
            const pages = async (store: Blobstore) => {
              const seen: unknown[] = [];
              let cursor: string | undefined;
              do {
                const result = await store.list('box', {
                  prefix,
                  limit,
                  includeExpired: all,
                  ...(cursor ? { cursor } : {}),
                });
                seen.push(await comparable(result));
                cursor = result.isOk() ? result.value.cursor : undefined;
              } while (cursor !== undefined && seen.length < 20);
              return seen;
            };
            expect(await pages(pair.real), `list(${prefix}, ${limit}, ${all})`).toEqual(await pages(pair.model));
          },
          toString: () => `list(${prefix}, ${limit}, ${all})`,
        }) satisfies Step,
    ),
  ];
  if (ranges) {
    commands.push(
      fc
        .tuple(keyArbitrary, fc.nat(320), fc.option(fc.nat(320), { nil: undefined }))
        .map(([k, offset, length]) =>
          step(`read(${k}, ${offset}+${length})`, (s) =>
            s.read('box', k, { range: { offset, ...(length === undefined ? {} : { length }) } }),
          ),
        ),
    );
  }
  if (conditionalWrites) {
    commands.push(
      fc
        .tuple(keyArbitrary, contentArbitrary)
        .map(([k, c]) =>
          step(`write-if-absent(${k})`, (s) => s.write('box', k, Buffer.from(c, 'latin1'), { ifAbsent: true })),
        ),
      fc
        .tuple(keyArbitrary, contentArbitrary, fc.boolean())
        .map(([k, c, stale]) =>
          step(`write-if-match(${k}, ${stale ? 'stale' : 'current'})`, async (s) =>
            s.write('box', k, Buffer.from(c, 'latin1'), { ifMatch: stale ? 'stale-etag' : await currentEtag(s, k) }),
          ),
        ),
    );
  }
  if (expiry && manualTime) {
    commands.push(
      fc
        .integer({ min: 1, max: 2000 })
        .map(
          (ms): Step => ({ check: () => true, run: (_, pair) => pair.elapse(ms), toString: () => `advance(${ms})` }),
        ),
    );
  }

  h.test('behaves like the reference model under random commands', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 40, size: 'max' }), async (cmds) => {
        const { instance: real, context } = await h.create();
        const model = h.adopt(
          createReferenceBlobstore(context.clock, { maxObjectBytes: real.capabilities.maxObjectBytes }),
        );
        expectOk(await real.createContainer('box'));
        expectOk(await model.createContainer('box'));
        await fc.asyncModelRun(
          () => ({ model: {}, real: { real, model, elapse: (ms) => h.elapse(context, ms) } }),
          cmds,
        );
      }),
      { numRuns },
    );
  });
}
