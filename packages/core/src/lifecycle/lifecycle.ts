/** Where an adapter instance is in its life. */
export type LifecycleState = 'idle' | 'opening' | 'open' | 'closing' | 'closed';

/**
 * Open once, close once. `open()` is shared by concurrent callers and may be retried after a
 * failure; `close()` is idempotent, waits for calls in flight, then closes the driver.
 */
export class Lifecycle {
  state: LifecycleState = 'idle';
  private opening: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private inFlight = 0;
  private drained: (() => void) | undefined;

  constructor(
    private readonly openDriver: () => unknown,
    private readonly closeDriver: () => unknown,
  ) {}

  open(): Promise<void> {
    if (this.state === 'open') return Promise.resolve();
    if (this.state === 'closing' || this.state === 'closed') {
      return Promise.reject(new Error('closed'));
    }
    if (!this.opening) {
      const opening = this.openOnce();
      this.opening = opening;
      // A failed open is forgotten so that the next call tries again.
      opening.catch(() => {
        if (this.opening === opening) this.opening = undefined;
      });
    }
    return this.opening;
  }

  private async openOnce(): Promise<void> {
    this.state = 'opening';
    try {
      await this.openDriver();
      this.state = 'open';
    } catch (error) {
      this.state = 'idle';
      throw error;
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const wasOpen = this.state !== 'idle';
      if (this.state === 'opening') await this.opening?.catch(() => undefined);
      this.state = 'closing';
      if (this.inFlight > 0) await new Promise<void>((resolve) => (this.drained = resolve));
      try {
        if (wasOpen) await this.closeDriver();
      } finally {
        this.state = 'closed';
      }
    })();
    return this.closing;
  }

  /** Counts an asynchronous call so that `close()` waits for it. */
  track<T>(promise: Promise<T>): Promise<T> {
    this.inFlight++;
    return promise.finally(() => {
      if (--this.inFlight === 0 && this.drained) this.drained();
    });
  }
}
