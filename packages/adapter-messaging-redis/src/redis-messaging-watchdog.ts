import type { Command } from 'ioredis';

// One timer for every call in flight, instead of ioredis's timer per command: a call still
// unanswered `timeoutMs` after it started (checked every quarter of it, so at most 1.25 ×
// `timeoutMs`) fails with ioredis's own "Command timed out", which becomes `TIMEOUT`. Its
// reply, if it ever comes, is dropped.
//
// A command is watched as it is (ioredis's `reject` ends it), so the hot path adds no promise:
// a round trip of publish, pull and ack is three commands, and each promise and hop per command
// showed in the round trip's tail. What is not one command (a script, which ioredis may send
// twice: EVALSHA, then EVAL) is watched through one promise instead.

/** What the watchdog can end: an ioredis command, or a script's call. */
interface Watchable {
  readonly isSettled: boolean;
  reject(error: Error): void;
}

/** Bounds calls to `timeoutMs`; `close()` stops the timer. */
export function commandWatchdog(timeoutMs: number) {
  // A queue in the order calls started: deadlines (a monotonic now + one timeout) only grow, and one
  // connection answers in order, so settled calls gather at the front and are dropped from
  // there as new ones come, while they are still young for the garbage collector.
  let calls: Watchable[] = [];
  let deadlines: number[] = [];
  let head = 0;
  let timer: NodeJS.Timeout | undefined;

  const dropSettledFront = () => {
    while (head < calls.length && (calls[head] as Watchable).isSettled) head++;
    if (head === calls.length) {
      calls.length = deadlines.length = head = 0;
    } else if (head > 1024 && head * 2 > calls.length) {
      calls = calls.slice(head);
      deadlines = deadlines.slice(head);
      head = 0;
    }
  };
  const check = () => {
    const now = performance.now();
    for (let i = head; i < calls.length && (deadlines[i] as number) <= now; i++) {
      const call = calls[i] as Watchable;
      if (!call.isSettled) call.reject(new Error('Command timed out'));
    }
    dropSettledFront();
    if (calls.length === 0) stop();
  };
  const watch = (call: Watchable) => {
    dropSettledFront();
    calls.push(call);
    deadlines.push(performance.now() + timeoutMs);
    if (timer === undefined) {
      timer = setInterval(check, Math.max(10, Math.floor(timeoutMs / 4)));
      timer.unref();
    }
  };
  const stop = () => {
    clearInterval(timer);
    timer = undefined;
  };
  return {
    /** Watches a command that was just sent; its own promise is the caller's. */
    command<T extends Command>(command: T): T {
      watch(command);
      return command;
    },
    /** `pending`, or what `failure` makes of its error (or of the timeout), in one promise. */
    limit<T>(pending: Promise<T>, failure: (error: unknown) => Error): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const call = {
          isSettled: false,
          reject(error: unknown) {
            call.isSettled = true;
            reject(failure(error));
          },
        };
        watch(call);
        pending.then((value) => {
          call.isSettled = true;
          resolve(value);
        }, call.reject);
      });
    },
    close() {
      stop();
      calls = [];
      deadlines = [];
      head = 0;
    },
  };
}
