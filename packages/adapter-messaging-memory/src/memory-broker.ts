import type { MessagingHeader } from '@keel/core';
import type { ResolvedConsumerConfig } from '@keel/core/adapter';

/** A message as the broker keeps it; positions are its `seq` as a decimal string. */
export interface StoredMessage {
  readonly seq: number;
  readonly data: Uint8Array;
  readonly headers: readonly MessagingHeader[];
  readonly messageId: string | undefined;
  readonly publishedAtMs: number;
}

/** A delivered message waiting for its ack: when it is due again, and how often it went out. */
export interface Pending {
  deliveries: number;
  dueAt: number;
}

export interface ConsumerState {
  config: ResolvedConsumerConfig;
  /** The seq of the next message never delivered. */
  next: number;
  /** By seq, in first-delivery order (which is seq order). */
  readonly pending: Map<number, Pending>;
}

/** One subject's messages, de-duplication ids and consumers. */
export class SubjectLog {
  readonly messages: StoredMessage[] = [];
  lastSeq = 0;
  /** Message id → the seq it was stored as and when; oldest first. */
  readonly ids = new Map<string, { readonly seq: number; readonly at: number }>();
  readonly consumers = new Map<string, ConsumerState>();
  private readonly waiters = new Set<() => void>();

  /** The seq the oldest kept message has (the next one when the log is empty). */
  get firstSeq(): number {
    return this.messages[0]?.seq ?? this.lastSeq + 1;
  }

  /** Seqs are contiguous from the oldest kept message, so a lookup is an index. */
  get(seq: number): StoredMessage | undefined {
    return this.messages[seq - this.firstSeq];
  }

  /** Resolves on the next publish or nak, or when `ms` pass or `signal` aborts. */
  wait(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/**
 * An in-process broker. Messaging instances given the same broker share its subjects and
 * consumers — they are members of the same consumer groups, as separate processes are on a server.
 *
 * @example
 * const broker = createMemoryBroker();
 * const a = createMemoryMessaging({ broker });
 * const b = createMemoryMessaging({ broker });
 */
export class MemoryBroker {
  readonly subjects = new Map<string, SubjectLog>();

  log(subject: string): SubjectLog {
    let log = this.subjects.get(subject);
    if (!log) {
      log = new SubjectLog();
      this.subjects.set(subject, log);
    }
    return log;
  }
}

/** A new, empty in-process broker to share between instances. */
export function createMemoryBroker(): MemoryBroker {
  return new MemoryBroker();
}
