import type { Readable } from 'node:stream';
import type { BlobMetadata, BlobObject, BlobstoreError, Result, ResultAsync } from '@keel/core';
import { ResourceTable } from './binding.js';

/**
 * The most bytes one `incoming-value.read` returns, whatever the guest asks for: with the body's
 * own buffer (its high-water mark), all the host holds of an object being read.
 */
export const MAX_READ_CHUNK = 64 * 1024;

/** An object a guest reads chunk by chunk (WIT `incoming-value`). */
export class IncomingStream {
  private readonly chunks: AsyncIterator<Uint8Array>;
  private rest: Uint8Array | undefined;
  private ended = false;

  constructor(private readonly object: BlobObject) {
    this.chunks = object.body[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
  }

  get metadata(): BlobMetadata {
    return this.object.metadata;
  }

  /** Up to `max` bytes (at most `MAX_READ_CHUNK`), `undefined` at the end. Rejects as the body does. */
  async read(max: number): Promise<Uint8Array | undefined> {
    const limit = Math.min(max, MAX_READ_CHUNK);
    if (!this.rest || this.rest.byteLength === 0) {
      if (this.ended) return undefined;
      const step = await this.chunks.next();
      if (step.done) {
        this.ended = true;
        return undefined;
      }
      this.rest = step.value;
    }
    const chunk = this.rest.subarray(0, limit);
    this.rest = this.rest.subarray(chunk.byteLength);
    // A copy: the body's buffer may be a view of a larger pool the guest must not see.
    return Uint8Array.from(chunk);
  }

  close(): void {
    this.ended = true;
    this.rest = undefined;
    (this.object.body as Readable).destroy();
  }
}

/** Why an upload stopped early: the guest dropped it, its call ended, or it passed its size limit. */
export class UploadAborted extends Error {
  override readonly name = 'UploadAborted';
}

interface Pending {
  readonly chunk: Uint8Array;
  readonly taken: () => void;
}

/**
 * An object a guest writes chunk by chunk (WIT `outgoing-value`): the chunks feed one streamed
 * `blobstore.write`, one at a time — `push` settles when the store has taken the chunk, so the
 * host holds at most one of the guest's chunks. Nothing is visible until `finish`; `abort` makes
 * the write fail, and the store discards what it had.
 */
export class OutgoingStream {
  private pending: Pending | undefined;
  private wake: (() => void) | undefined;
  private ended = false;
  private aborted: UploadAborted | undefined;
  private outcome: Result<BlobMetadata, BlobstoreError> | undefined;
  private readonly done: Promise<Result<BlobMetadata, BlobstoreError>>;
  private begun: (() => void) | undefined;
  /**
   * Settles when the store asks for the first chunk (`undefined`), or refuses the write before
   * that (its error: a key core rejects, a missing container), whichever comes first.
   */
  readonly started: Promise<BlobstoreError | undefined>;
  /** Bytes pushed so far. */
  written = 0;
  finished = false;
  /** Why the host stopped it (the guest sees this again on every later call). */
  refused: { readonly tag: string; readonly val: string } | undefined;

  constructor(
    readonly container: string,
    start: (body: AsyncIterable<Uint8Array>) => ResultAsync<BlobMetadata, BlobstoreError>,
  ) {
    const begun = new Promise<undefined>((resolve) => {
      this.begun = () => resolve(undefined);
    });
    this.done = Promise.resolve(start(this.source())).then((r) => {
      this.outcome = r;
      // The store stopped (a failure): a chunk it will never take is released.
      const p = this.pending;
      this.pending = undefined;
      p?.taken();
      return r;
    });
    this.started = Promise.race([begun, this.done.then((r) => (r.isErr() ? r.error : undefined))]);
  }

  /** Resolves when the store took the chunk; to the store's error when it stopped instead. */
  async push(chunk: Uint8Array): Promise<BlobstoreError | undefined> {
    if (this.outcome?.isErr()) return this.outcome.error;
    this.written += chunk.byteLength;
    await new Promise<void>((taken) => {
      this.pending = { chunk, taken };
      this.wake?.();
    });
    return this.outcome?.isErr() ? this.outcome.error : undefined;
  }

  /** Ends the body and waits for the store: the object is visible when this is `Ok`. */
  finish(): Promise<Result<BlobMetadata, BlobstoreError>> {
    this.ended = true;
    this.wake?.();
    return this.done;
  }

  /**
   * Stops the write: nothing becomes visible. Safe to call more than once, or after `finish`.
   * Resolves when the store has let go of it (discarded what it had).
   */
  abort(reason: string): Promise<unknown> {
    if (!this.ended && !this.aborted) {
      this.aborted = new UploadAborted(reason);
      this.wake?.();
    }
    return this.done;
  }

  private async *source(): AsyncGenerator<Uint8Array> {
    this.begun?.();
    while (true) {
      while (!this.pending && !this.ended && !this.aborted) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        this.wake = undefined;
      }
      if (this.aborted) throw this.aborted;
      const p = this.pending;
      if (!p) return;
      yield p.chunk;
      // Taken: the store asked for the next one. (A store that stops is released by `done`.)
      this.pending = undefined;
      p.taken();
    }
  }
}

/** The streams a component instance holds, by the ids its handles map to. */
export class BlobStreams {
  readonly incoming = new ResourceTable<IncomingStream>();
  readonly outgoing = new ResourceTable<OutgoingStream>();
  /** Uploads being discarded: the call that dropped them does not end before they are. */
  private readonly discarding = new Set<Promise<unknown>>();

  /** Drops an upload (the guest's `drop`): what it wrote is discarded. */
  discard(id: number): void {
    const upload = this.outgoing.remove(id);
    if (!upload) return;
    const gone = upload.abort('dropped without finish');
    this.discarding.add(gone);
    void gone.finally(() => this.discarding.delete(gone));
  }

  /**
   * At the end of a call: what the guest left open is closed, unfinished uploads discarded; the
   * promise (when there is anything to wait for) settles once the store has let go of them all,
   * so the call's result never comes before a half-written object is gone.
   */
  release(): Promise<unknown> | undefined {
    this.incoming.drain((s) => s.close());
    this.outgoing.drain((s) => {
      this.discarding.add(s.abort('the call that opened it ended'));
    });
    if (this.discarding.size === 0) return undefined;
    const all = Promise.all(this.discarding);
    this.discarding.clear();
    return all;
  }
}
