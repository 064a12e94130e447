import { BlobstoreError, type Blobstore } from '@keel/core';
import {
  blobMetadataToWit,
  blobstoreErrorToWit,
  listOptionsFromWit,
  presignOptionsFromWit,
  readOptionsFromWit,
  writeOptionsFromWit,
  type WitListOptions,
  type WitPresignOptions,
  type WitReadOptions,
  type WitWriteOptions,
} from '../convert/blobstore-convert.js';
import { settle } from './adapter-calls.js';
import type { Binding, BindingContext, WitError } from './binding.js';
import { IncomingStream, OutgoingStream, type BlobStreams } from './blob-streams.js';

/** What a component may do in one container. */
export interface BlobContainerGrant {
  /** The only keys it may name: those starting with this (`''`, or ending with `/`). */
  readonly prefix: string;
  readonly access: 'read' | 'read-write';
  /** Largest object it may write or copy, in bytes; the adapter's own limit still holds. */
  readonly maxObjectBytes: number | undefined;
}

/** How a component may use the blobstore: the containers it may name, by name. */
export interface BlobstoreGrant {
  readonly containers: Readonly<Record<string, BlobContainerGrant>>;
}

type Need = 'read' | 'write';

/**
 * `keel:infrastructure/blobstore` for a guest, served by a blobstore adapter (isolated mode: every
 * operation is asynchronous). A container outside the grant, a key outside its prefix or a write
 * under `read` is `access-denied`, counted and logged; key syntax (`..`, control characters) is
 * core's to refuse, as for any caller, before the adapter is reached. Streams are resources in
 * `streams`: a read returns at most `MAX_READ_CHUNK` bytes, a write holds one chunk at a time and
 * stops at the grant's `maxObjectBytes`; an upload dropped (or left at the end of the call)
 * without `finish` leaves nothing visible. Containers are the app's to create and delete.
 */
export function blobstoreBinding(
  store: Blobstore,
  grant: BlobstoreGrant,
  ctx: BindingContext,
  streams: BlobStreams,
): Binding {
  const fail = (error: BlobstoreError): never => {
    throw blobstoreErrorToWit(error);
  };
  const reject = (tag: string, message: string): never => {
    throw { tag, val: message } satisfies WitError;
  };
  const container = (fn: string, name: string, need: Need) => {
    const c = Object.hasOwn(grant.containers, name) ? grant.containers[name] : undefined;
    if (!c) throw ctx.denied('blobstore', fn, `the blobstore grant has no container '${name}'`);
    if (need === 'write' && c.access === 'read')
      throw ctx.denied('blobstore', fn, `the blobstore grant is read-only on '${name}'`);
    return c;
  };
  const object = (fn: string, name: string, key: string, need: Need) => {
    const c = container(fn, name, need);
    if (!key.startsWith(c.prefix))
      throw ctx.denied('blobstore', fn, `the blobstore grant allows only keys under '${c.prefix}' in '${name}'`);
    return c;
  };
  const tooLarge = (max: number, what: string) =>
    reject('too-large', `${what} is over the grant's maxObjectBytes of ${max}`);
  const incoming = (id: number) =>
    streams.incoming.get(id) ?? reject('invalid-argument', 'the incoming value is no longer available');
  const outgoing = (id: number) =>
    streams.outgoing.get(id) ?? reject('invalid-argument', 'the outgoing value is no longer available');
  const denyAdmin = (fn: string) => () => {
    throw ctx.denied('blobstore', fn, "containers are the app's to create and delete");
  };

  return {
    createContainer: denyAdmin('createContainer'),
    deleteContainer: denyAdmin('deleteContainer'),
    containerExists: (name: string) => {
      container('containerExists', name, 'read');
      return settle(store.containerExists(name), (exists) => exists, fail);
    },
    stat: (name: string, key: string) => {
      object('stat', name, key, 'read');
      return settle(store.stat(name, key), (m) => (m ? blobMetadataToWit(m) : undefined), fail);
    },
    exists: (name: string, key: string) => {
      object('exists', name, key, 'read');
      return settle(store.exists(name, key), (exists) => exists, fail);
    },
    list: (name: string, options: WitListOptions) => {
      // The listing's prefix is a key prefix like any other: it must stay inside the grant's.
      object('list', name, options.prefix, 'read');
      return settle(
        store.list(name, listOptionsFromWit(options)),
        (page) => ({ objects: page.objects.map(blobMetadataToWit), cursor: page.cursor }),
        fail,
      );
    },
    read: (name: string, key: string, options: WitReadOptions) => {
      object('read', name, key, 'read');
      return settle(
        store.read(name, key, readOptionsFromWit(options)),
        (o) => streams.incoming.add(new IncomingStream(o)),
        fail,
      );
    },
    write: (name: string, key: string, options: WitWriteOptions) => {
      object('write', name, key, 'write');
      const opts = writeOptionsFromWit(options);
      const upload = new OutgoingStream(name, (body) => store.write(name, key, body, opts));
      // What core refuses up front (the key, the options, the container) fails `write` itself.
      return upload.started.then((error) => (error ? fail(error) : streams.outgoing.add(upload)));
    },
    copy: (name: string, key: string, toName: string, toKey: string) => {
      object('copy', name, key, 'read');
      const { maxObjectBytes: max } = object('copy', toName, toKey, 'write');
      if (max === undefined) return settle(store.copy(name, key, toName, toKey), blobMetadataToWit, fail);
      // The source's size decides before the copy: a copy is a write of that many bytes.
      return settle(
        store.stat(name, key),
        (m) => {
          if (!m) return reject('not-found', `no object '${key}' in '${name}'`);
          if (m.size > max) return tooLarge(max, `the object of ${m.size} bytes`);
          return settle(store.copy(name, key, toName, toKey), blobMetadataToWit, fail);
        },
        fail,
      );
    },
    delete: (name: string, key: string) => {
      object('delete', name, key, 'write');
      return settle(store.delete(name, key), (existed) => existed, fail);
    },
    presign: (name: string, key: string, options: WitPresignOptions) => {
      const { maxObjectBytes } = object('presign', name, key, options.method === 'put' ? 'write' : 'read');
      // The URL's holder writes past the host: no size limit could hold.
      if (options.method === 'put' && maxObjectBytes !== undefined)
        throw ctx.denied('blobstore', 'presign', 'a presigned upload cannot be held to the grant’s maxObjectBytes');
      return settle(store.presign(name, key, presignOptionsFromWit(options)), (url) => url, fail);
    },
    'IncomingValue.metadata': (id: number) => blobMetadataToWit(incoming(id).metadata),
    'IncomingValue.read': async (id: number, maxBytes: number) => {
      const stream = incoming(id);
      if (maxBytes < 1) return reject('invalid-argument', 'max-bytes must be at least 1');
      try {
        return await stream.read(maxBytes);
      } catch (error) {
        if (error instanceof BlobstoreError) return fail(error);
        return reject('internal', `the object could not be read: ${(error as Error).message}`);
      }
    },
    'IncomingValue.drop': (id: number) => {
      streams.incoming.remove(id)?.close();
    },
    'OutgoingValue.write': async (id: number, chunk: Uint8Array) => {
      const upload = outgoing(id);
      if (upload.refused) throw upload.refused;
      if (upload.finished) return reject('invalid-argument', 'the outgoing value is finished');
      const { maxObjectBytes: max } = container('write', upload.container, 'write');
      if (max !== undefined && upload.written + chunk.byteLength > max) {
        // Nothing of it becomes visible, and later chunks (and finish) are refused the same way.
        upload.abort('over the grant’s maxObjectBytes');
        upload.refused = {
          tag: 'too-large',
          val: `the object (${upload.written + chunk.byteLength} bytes so far) is over the grant's maxObjectBytes of ${max}`,
        };
        throw upload.refused;
      }
      const error = await upload.push(chunk);
      if (error) fail(error);
    },
    'OutgoingValue.finish': async (id: number) => {
      const upload = outgoing(id);
      if (upload.refused) throw upload.refused;
      if (upload.finished) return reject('invalid-argument', 'the outgoing value is finished');
      upload.finished = true;
      const r = await upload.finish();
      return r.isOk() ? blobMetadataToWit(r.value) : fail(r.error);
    },
    // The guest dropped its handle: an upload it did not finish is discarded.
    'OutgoingValue.drop': (id: number) => {
      streams.discard(id);
    },
  };
}
