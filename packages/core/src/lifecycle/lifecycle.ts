import type { CallObserver } from '../observability/call-observer.js';
import { isPromiseLike } from './promise-like.js';

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
  private closeRequested = false;
  /** What the last asynchronous open failed with, until one succeeds. */
  lastFailure: unknown;
  /** Set by the container when the app observes this instance; the guard reads it on every call. */
  observer: CallObserver | undefined = undefined;

  constructor(
    private readonly openDriver: () => unknown,
    private readonly closeDriver: () => unknown,
  ) {}

  /** `close()` was called: nothing opens again, whatever state the close has reached. */
  get ended(): boolean {
    return this.closeRequested;
  }

  open(): Promise<void> {
    if (this.closeRequested) return Promise.reject(new Error('closed'));
    if (this.state === 'open') return Promise.resolve();
    if (this.state === 'idle') {
      try {
        this.start();
      } catch (error) {
        return Promise.reject(error);
      }
      if ((this.state as LifecycleState) === 'open') return Promise.resolve();
    }
    return this.opening as Promise<void>;
  }

  /**
   * Starts opening an idle adapter. A driver whose `open` is synchronous (or absent) is open
   * when this returns, which is what lets a synchronous facet open on its first call; an async
   * one is `opening` until its promise settles. Throws what a synchronous `open` threw; after
   * any failure the state is `idle` again, so the next call retries.
   */
  start(): void {
    if (this.state !== 'idle' || this.closeRequested) return;
    this.state = 'opening';
    let opened: unknown;
    try {
      opened = this.openDriver();
    } catch (error) {
      this.state = 'idle';
      throw error;
    }
    if (!isPromiseLike(opened)) {
      this.state = 'open';
      return;
    }
    this.opening = Promise.resolve(opened).then(
      () => {
        this.state = 'open';
        this.opening = undefined;
        this.lastFailure = undefined;
      },
      (error: unknown) => {
        this.state = 'idle';
        this.opening = undefined;
        this.lastFailure = error;
        throw error;
      },
    );
    // Whoever waits on `opening` sees the failure; nobody waiting is not an unhandled rejection.
    this.opening.catch(() => undefined);
  }

  close(): Promise<void> {
    // Set at once, so that no call made while the close waits can start another open.
    this.closeRequested = true;
    this.closing ??= (async () => {
      if (this.state === 'opening') await this.opening?.catch(() => undefined);
      const wasOpen = this.state === 'open';
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

  /**
   * Counts an asynchronous call so that `close()` waits for it; the caller calls `leave()` once
   * it has settled. (A pair of calls rather than `promise.finally`, which costs three promises
   * on every call.)
   */
  enter(): void {
    this.inFlight++;
  }

  /** The call counted by `enter()` has settled. */
  leave(): void {
    if (--this.inFlight === 0 && this.drained) this.drained();
  }
}
