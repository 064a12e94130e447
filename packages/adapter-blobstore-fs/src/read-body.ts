import { close, createReadStream, open, type ReadStream } from 'node:fs';
import { promisify } from 'node:util';

/**
 * Read bodies hold a plain descriptor, not a FileHandle: Node closes a garbage-collected
 * FileHandle itself and calls it an error from Node 26 on (an uncaught ERR_INVALID_STATE that ends
 * the process), a warning before; and a FileHandle cannot be closed by a finalizer here, because it
 * references its stream back. A body the app drops without reading it to the end or destroying it
 * has its descriptor closed by this registry once the body is collected. A body that closed
 * unregisters first, so a descriptor number the system has since reused is never closed.
 */
const dropped = new FinalizationRegistry<number>((fd) => close(fd, () => undefined));

/** Opens a file for reading as a plain descriptor (see above). */
export const openForReading: (path: string) => Promise<number> = (path) => promisify(open)(path, 'r');

export const closeDescriptor: (fd: number) => Promise<void> = promisify(close);

/** A stream of the descriptor's bytes `start`..`end` (inclusive) that closes it however it ends. */
export function readBody(fd: number, start: number, end: number): ReadStream {
  const body = createReadStream('', { fd, start, end });
  dropped.register(body, fd, body);
  body.once('close', () => dropped.unregister(body));
  return body;
}
