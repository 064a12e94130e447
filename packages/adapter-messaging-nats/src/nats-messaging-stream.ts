import { StorageType, type JetStreamManager } from '@nats-io/jetstream';
import type { ResolvedNatsMessagingOptions } from './nats-messaging-options.js';

/**
 * Creates the adapter's stream, or brings an existing one's subjects and de-duplication window
 * to the options (its storage is left as it was: JetStream cannot change it).
 */
export async function ensureStream(jsm: JetStreamManager, options: ResolvedNatsMessagingOptions): Promise<void> {
  const { stream, subjectPrefix, dedupWindowMs, storage } = options;
  const wanted = { subjects: [`${subjectPrefix}.>`], duplicate_window: dedupWindowMs * 1_000_000 };
  try {
    const { config } = await jsm.streams.info(stream);
    if (config.subjects?.join() !== wanted.subjects.join() || config.duplicate_window !== wanted.duplicate_window)
      await jsm.streams.update(stream, wanted);
  } catch (thrown) {
    if ((thrown as { code?: unknown }).code !== 10059) throw thrown;
    const config = {
      name: stream,
      ...wanted,
      storage: storage === 'memory' ? StorageType.Memory : StorageType.File,
    };
    await jsm.streams.add(config);
  }
}
