// One timer for every call in flight, instead of ioredis's timer per command: a call still
// unanswered `timeoutMs` after it started (checked every quarter of it, so at most 1.25 ×
// `timeoutMs`) fails with ioredis's own "Command timed out", which becomes `TIMEOUT`. Its
// reply, if it ever comes, is dropped.

interface InFlight {
  readonly deadline: number;
  readonly fail: (error: Error) => void;
}

/** Bounds calls to `timeoutMs`; `close()` stops the timer. */
export function commandWatchdog(timeoutMs: number) {
  const inFlight = new Set<InFlight>();
  let timer: NodeJS.Timeout | undefined;
  const check = () => {
    const now = Date.now();
    for (const call of inFlight) {
      if (call.deadline > now) continue;
      inFlight.delete(call);
      call.fail(new Error('Command timed out'));
    }
    if (inFlight.size === 0) {
      clearInterval(timer);
      timer = undefined;
    }
  };
  return {
    /** `pending`, or what `failure` makes of its error (or of the timeout), in one promise. */
    limit<T>(pending: Promise<T>, failure: (error: unknown) => Error): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const call: InFlight = { deadline: Date.now() + timeoutMs, fail: (error) => reject(failure(error)) };
        inFlight.add(call);
        if (timer === undefined) {
          timer = setInterval(check, Math.max(10, Math.floor(timeoutMs / 4)));
          timer.unref();
        }
        pending.then(
          (value) => {
            inFlight.delete(call);
            resolve(value);
          },
          (error: unknown) => {
            inFlight.delete(call);
            reject(failure(error));
          },
        );
      });
    },
    close() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
