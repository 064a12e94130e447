import { afterEach, it } from 'vitest';
import { ManualClock } from './manual-clock.js';

/** What each fresh instance is built with. */
export interface TestContext {
  /** Pass this to the adapter's `clock` option so time-based tests can move time instantly. */
  readonly clock: ManualClock;
  /** Unique per instance: use it to pick an isolated folder, file or key prefix. */
  readonly id: string;
}

/** Options every conformance suite takes. */
export interface ConformanceOptions<T, C> {
  /** Shown in the test names. */
  readonly name: string;
  /** A fresh, empty, isolated instance on every call. */
  readonly factory: (context: TestContext) => T | Promise<T>;
  /** What the adapter declares; the suite checks the instance says the same and gates tests on it. */
  readonly capabilities: C;
  /** Opens the store of a closed instance again (same `context.id`); required when `persistent`. */
  readonly reopen?: (context: TestContext) => T | Promise<T>;
  /**
   * `manual` (default): the adapter reads `context.clock`. `real`: it keeps real time, and
   * time-based tests wait instead of moving the clock.
   */
  readonly time?: 'manual' | 'real';
  /** Tests to skip, by name, each with the written reason why it does not apply. */
  readonly skip?: Readonly<Record<string, string>>;
  /** Runs per property test. @default 40 */
  readonly numRuns?: number;
}

/**
 * The options of a second run of a suite in which every instance is seen through `view` (such
 * as the synchronous facet lifted back into the async contract), with `skip` added.
 */
export function viewedThrough<T, C, O extends ConformanceOptions<T, C>>(
  options: O,
  view: (instance: T) => T,
  skip?: Readonly<Record<string, string>>,
): O {
  const { factory, reopen } = options;
  return {
    ...options,
    factory: async (context: TestContext) => view(await factory(context)),
    ...(reopen ? { reopen: async (context: TestContext) => view(await reopen(context)) } : {}),
    ...(skip ? { skip: { ...options.skip, ...skip } } : {}),
  };
}

/** Shared by a suite's parts: fresh instances (closed after each test) and gated tests. */
export class Harness<T extends { close(): Promise<void> }, C> {
  private readonly open: T[] = [];
  private counter = 0;
  readonly names = new Set<string>();

  constructor(readonly options: ConformanceOptions<T, C>) {
    afterEach(async () => {
      await Promise.all(this.open.splice(0).map((instance) => instance.close()));
    });
  }

  /** A fresh instance and the context it was built with. */
  async create(): Promise<{ instance: T; context: TestContext }> {
    const context: TestContext = { clock: new ManualClock(), id: `t-${process.pid}-${Date.now()}-${this.counter++}` };
    return { instance: this.adopt(await this.options.factory(context)), context };
  }

  async instance(): Promise<T> {
    return (await this.create()).instance;
  }

  /** Tracks an instance made outside `create` so that it is closed too. */
  adopt(instance: T): T {
    this.open.push(instance);
    return instance;
  }

  /** Opens the same store again (persistence tests). */
  async reopen(context: TestContext): Promise<T> {
    if (!this.options.reopen)
      throw new Error(`${this.options.name}: a persistent adapter must pass reopen to the conformance suite`);
    return this.adopt(await this.options.reopen(context));
  }

  /** Lets `ms` pass for the adapter: moves the manual clock, and waits too when the adapter keeps real time. */
  async elapse(context: TestContext, ms: number): Promise<void> {
    context.clock.advance(ms);
    if (this.options.time === 'real') await new Promise((resolve) => setTimeout(resolve, ms));
  }

  /** Registers a test, skipped when a capability it needs is missing or the adapter skips it with a reason. */
  test(name: string, fn: () => Promise<void>, needs?: keyof C | readonly (keyof C)[]): void {
    this.names.add(name);
    const reason = this.options.skip?.[name];
    const missing = (Array.isArray(needs) ? needs : needs ? [needs] : []).find((c) => !this.options.capabilities[c]);
    if (reason !== undefined) it.skip(`${name} — skipped: ${reason}`, fn);
    else if (missing !== undefined) it.skip(`${name} — needs capability '${String(missing)}'`, fn);
    else it(name, fn);
  }

  /** A test that fails when `skip` names a test the suite does not have (a typo would hide nothing). */
  checkSkips(): void {
    const unknown = Object.keys(this.options.skip ?? {}).filter((name) => !this.names.has(name));
    if (unknown.length > 0) {
      it('names only tests that exist in skip', () => {
        throw new Error(`skip names unknown tests: ${unknown.join('; ')}`);
      });
    }
  }
}
