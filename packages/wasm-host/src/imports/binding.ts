import type { WasmHostLogger } from '../log/logger.js';

/** The guest's view of a failed call: a case of the interface's WIT `error` variant. */
export interface WitError {
  readonly tag: string;
  readonly val?: unknown;
}

/**
 * One host function, in jco's representation: WIT values in, a WIT value out (or a promise of
 * one, from an async adapter), a failure thrown (or rejected) as a `WitError`. Resource methods
 * are named `Class.method` and take the resource id first; `Class.drop` releases it.
 */
export type HostFunction = (...args: never[]) => unknown;

/** An interface's host functions by jco name. */
export type Binding = Readonly<Record<string, HostFunction>>;

/** A resource handed to a guest, as it crosses to the sandbox: see `resourceMark` in the sandbox. */
export interface ResourceRef {
  readonly id: number;
}

/** Host objects a guest holds handles to (sql transactions), per instance. */
export class ResourceTable<T> {
  private readonly entries = new Map<number, T>();
  private next = 1;

  add(value: T): ResourceRef {
    const id = this.next++;
    this.entries.set(id, value);
    return { id };
  }

  get(id: number): T | undefined {
    return this.entries.get(id);
  }

  remove(id: number): T | undefined {
    const value = this.entries.get(id);
    this.entries.delete(id);
    return value;
  }

  /** Empties the table, handing each value to `release` (for rollback). */
  drain(release: (value: T) => void): void {
    const values = [...this.entries.values()];
    this.entries.clear();
    for (const value of values) release(value);
  }

  get size(): number {
    return this.entries.size;
  }
}

/** What every binding needs to know about the component it serves. */
export interface BindingContext {
  readonly componentId: string;
  readonly hash: string;
  readonly logger: WasmHostLogger;
  /**
   * Records a refused call (logged, and counted in the execution record unless `counted`, when
   * the sandbox counted it already) and returns the guest's `access-denied`.
   */
  denied(iface: string, fn: string, reason: string, counted?: boolean): WitError;
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/** UPPER_SNAKE error code → the kebab-case WIT case name. */
export function witCase(code: string): string {
  return code.toLowerCase().replace(/_/g, '-');
}
