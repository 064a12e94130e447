/**
 * A wait that something else can end early: a worker's idle poll ends when a job is enqueued
 * or a slot frees, a scheduler's sleep when it stops.
 *
 * @example
 * const pause = pauses();
 * setTimeout(() => pause.wake(), 10);
 * await pause.for(1000); // returns after ~10 ms
 */
export interface Pauses {
  for(ms: number): Promise<void>;
  /** Ends the current wait, or makes the next one return at once. */
  wake(): void;
}

export function pauses(): Pauses {
  let end: (() => void) | undefined;
  let woken = false;
  return {
    for(ms) {
      if (woken) {
        woken = false;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          end = undefined;
          resolve();
        }
        end = done;
      });
    },
    wake() {
      if (end) end();
      else woken = true;
    },
  };
}
