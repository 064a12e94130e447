// @ts-check
// The bookkeeping of one export call: host calls by interface (with the cap), captured output
// (with its cap), the deadline, and how a failure is classified. Shared by both modes.
import { HostAbort } from './wasi.js';

const WA = /** @type {import('../webassembly.js').WebAssemblyApi} */ (/** @type {any} */ (globalThis).WebAssembly);

/**
 * @typedef {object} InvocationLimits
 * @property {number} maxHostCalls
 * @property {number} maxOutputBytes
 * @property {number} timeoutMs
 * @property {boolean} checkDeadline   in-thread mode: enforce the timeout at each host call
 */

/**
 * @typedef {object} InvocationReport
 * @property {Record<string, number>} hostCalls
 * @property {number} deniedCalls
 * @property {string} stdout
 * @property {string} stderr
 * @property {boolean} outputTruncated
 */

/** Shared by every report of a call that made no host call. */
const noCalls = Object.freeze({});

export class Invocation {
  /** @param {InvocationLimits} limits */
  constructor(limits) {
    this.limits = limits;
    /** @type {Record<string, number>} */
    this.counts = {};
    /** Host calls of any kind this call, for the report. */
    this.total = 0;
    /** Those counted against `maxHostCalls`. */
    this.capped = 0;
    this.denied = 0;
    this.deadlineAt = 0;
    /** @type {Uint8Array[]} */
    this.stdout = [];
    /** @type {Uint8Array[]} */
    this.stderr = [];
    this.outputBytes = 0;
    this.truncated = false;
    /** @type {InvocationReport} reused: a caller copies what it keeps before the next call */
    this.last = { hostCalls: noCalls, deniedCalls: 0, stdout: '', stderr: '', outputTruncated: false };
    this.tick = this.tick.bind(this);
    this.note = this.note.bind(this);
    this.output = this.output.bind(this);
    this.deadline = this.deadline.bind(this);
  }

  /** Starts a call; `now` is performance.now() when the caller has it already. @param {number} [now] */
  begin(now = performance.now()) {
    // Reset only what the last call touched: a trivial call allocates nothing here.
    if (this.total > 0) {
      this.counts = {};
      this.total = 0;
      this.capped = 0;
    }
    this.denied = 0;
    this.deadlineAt = now + this.limits.timeoutMs;
    if (this.outputBytes > 0 || this.truncated) {
      this.stdout = [];
      this.stderr = [];
      this.outputBytes = 0;
      this.truncated = false;
    }
  }

  /**
   * Counts one call to a Keel import (or a wasi:http request) against `maxHostCalls`; aborts the
   * guest's call past the cap (or, in-thread, past the deadline).
   * @param {string} name
   */
  tick(name) {
    if (++this.capped > this.limits.maxHostCalls) {
      this.record(name);
      throw new HostAbort('HOST_CALL_LIMIT', `more than ${this.limits.maxHostCalls} host calls in one call`);
    }
    this.note(name);
  }

  /**
   * Records one of WASI's own calls (clocks, random, streams…): logged like any host call but
   * free, since a language runtime makes them on its own (componentize-js reads the clocks seven
   * times per call). In-thread, the deadline is still checked.
   * @param {string} name
   */
  note(name) {
    this.record(name);
    if (this.limits.checkDeadline && performance.now() > this.deadlineAt) {
      throw new HostAbort('TIMEOUT', `the call ran past its ${this.limits.timeoutMs} ms timeout`);
    }
  }

  /** @param {string} name */
  record(name) {
    this.counts[name] = (this.counts[name] ?? 0) + 1;
    this.total++;
  }

  deadline() {
    return this.deadlineAt;
  }

  /** @param {'stdout' | 'stderr'} stream @param {Uint8Array} bytes */
  output(stream, bytes) {
    const room = this.limits.maxOutputBytes - this.outputBytes;
    if (room <= 0) {
      if (bytes.byteLength > 0) this.truncated = true;
      return;
    }
    const kept = bytes.byteLength > room ? bytes.slice(0, room) : bytes.slice();
    if (kept.byteLength < bytes.byteLength) this.truncated = true;
    this.outputBytes += kept.byteLength;
    (stream === 'stdout' ? this.stdout : this.stderr).push(kept);
  }

  /**
   * What the call did. `reuse` returns the same object every time (the in-thread hot path, whose
   * caller copies the fields); otherwise a new one (to send to another thread).
   * @param {boolean} [reuse]
   * @returns {InvocationReport}
   */
  report(reuse = false) {
    const text = (/** @type {Uint8Array[]} */ chunks) =>
      chunks.length === 0 ? '' : Buffer.concat(chunks).toString('utf8');
    const out = reuse
      ? this.last
      : { hostCalls: noCalls, deniedCalls: 0, stdout: '', stderr: '', outputTruncated: false };
    // `counts` is replaced, never cleared, when a call starts: a kept report stays true.
    out.hostCalls = this.total > 0 ? this.counts : noCalls;
    out.deniedCalls = this.denied;
    out.stdout = this.outputBytes > 0 ? text(this.stdout) : '';
    out.stderr = this.outputBytes > 0 ? text(this.stderr) : '';
    out.outputTruncated = this.truncated;
    return out;
  }
}

/**
 * @typedef {{ code: string, message: string, payload?: unknown, keepInstance: boolean }} CallFailure
 */

/**
 * What a throw out of an export call means. Only a guest's own `err` result (a thrown plain
 * value) leaves the instance usable; anything else replaces it.
 * @param {unknown} thrown
 * @param {boolean} growRefused  a memory grow was refused by the cap during the call
 * @param {boolean} [fuelExhausted]  a fuel point found the call's fuel spent
 * @returns {CallFailure}
 */
export function classifyFailure(thrown, growRefused, fuelExhausted = false) {
  if (thrown instanceof HostAbort)
    return { code: /** @type {any} */ (thrown).code, message: thrown.message, keepInstance: false };
  if (thrown instanceof WA.RuntimeError || thrown instanceof RangeError) {
    const { message } = /** @type {Error} */ (thrown);
    // A fuel point traps the moment the counter goes below zero, so a trap with it below zero is that one.
    if (fuelExhausted)
      return { code: 'FUEL_EXHAUSTED', message: 'the call used up its fuel (limits.maxFuel)', keepInstance: false };
    return growRefused
      ? {
          code: 'MEMORY_LIMIT',
          message: `the guest trapped after the memory cap refused it more memory (${message})`,
          keepInstance: false,
        }
      : { code: 'TRAP', message: `the guest trapped: ${message}`, keepInstance: false };
  }
  if (thrown instanceof TypeError) {
    return {
      code: 'INVALID_ARGUMENT',
      message: `a value does not fit the export's WIT types: ${thrown.message}`,
      keepInstance: false,
    };
  }
  if (thrown instanceof Error) return { code: 'INTERNAL', message: thrown.message, keepInstance: false };
  return { code: 'GUEST_ERROR', message: 'the export returned an error', payload: thrown, keepInstance: true };
}
