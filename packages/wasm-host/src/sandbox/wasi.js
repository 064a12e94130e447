// @ts-check
// WASI 0.2 for a sandboxed guest, deny by default, without preview2-shim: no environment
// (unless granted), no preopened directories, no sockets, stdin closed, stdout and stderr
// captured into the execution log, exit as a trap; clocks and random work. Shared by both modes.

/**
 * @typedef {object} WasiContext
 * @property {[string, string][]} env                  the environment the guest sees
 * @property {(interfaceName: string) => void} tick     records one of WASI's own calls (not capped); throws to abort the call
 * @property {(interfaceName: string) => void} charge   counts one call against `maxHostCalls` (wasi:http requests)
 * @property {(stream: 'stdout' | 'stderr', bytes: Uint8Array) => void} output
 * @property {() => number} deadline                    performance.now() at which the call times out
 * @property {number} maxBytes                          the most bytes one random or read request may ask for
 */

/** The error a host import throws to end the guest's call; `code` becomes the call's error code. */
export class HostAbort extends Error {
  /** @param {string} code @param {string} message */
  constructor(code, message) {
    super(message);
    this.name = 'HostAbort';
    this.code = code;
  }
}

/** The WASI interfaces this host provides (unversioned), by package. */
export const wasiInterfaces = Object.freeze({
  cli: [
    'environment',
    'exit',
    'stdin',
    'stdout',
    'stderr',
    'terminal-input',
    'terminal-output',
    'terminal-stdin',
    'terminal-stdout',
    'terminal-stderr',
  ],
  io: ['error', 'poll', 'streams'],
  clocks: ['wall-clock', 'monotonic-clock'],
  random: ['random', 'insecure', 'insecure-seed'],
  filesystem: ['types', 'preopens'],
  sockets: ['network', 'instance-network', 'ip-name-lookup', 'tcp', 'tcp-create-socket', 'udp', 'udp-create-socket'],
  http: ['types', 'outgoing-handler'],
});

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/**
 * The WASI import object, keyed the way jco's glue reads it (`wasi:cli/stdout`, unversioned).
 * @param {WasiContext} ctx
 * @returns {Record<string, Record<string, unknown>>}
 */
export function createWasiImports(ctx) {
  const { tick } = ctx;
  const t0 = process.hrtime.bigint();
  const closed = () => {
    throw { tag: 'closed' };
  };

  class IoError {
    toDebugString() {
      return 'error';
    }
  }
  class Pollable {
    /** @param {bigint} [at] monotonic instant (ns) at which it becomes ready; none: ready now */
    constructor(at) {
      this.at = at;
    }
    ready() {
      tick('wasi:io/poll');
      return this.at === undefined || monotonicNow() >= this.at;
    }
    block() {
      tick('wasi:io/poll');
      sleepUntil(this.at);
    }
  }
  class InputStream {
    read() {
      tick('wasi:io/streams');
      closed();
    }
    blockingRead() {
      tick('wasi:io/streams');
      closed();
    }
    skip() {
      tick('wasi:io/streams');
      closed();
    }
    blockingSkip() {
      tick('wasi:io/streams');
      closed();
    }
    subscribe() {
      return new Pollable();
    }
  }
  class OutputStream {
    /** @param {'stdout' | 'stderr'} name */
    constructor(name) {
      this.name = name;
    }
    checkWrite() {
      tick('wasi:io/streams');
      return 1n << 20n;
    }
    /** @param {Uint8Array} bytes */
    write(bytes) {
      tick('wasi:io/streams');
      ctx.output(this.name, bytes);
    }
    /** @param {Uint8Array} bytes */
    blockingWriteAndFlush(bytes) {
      tick('wasi:io/streams');
      ctx.output(this.name, bytes);
    }
    flush() {
      tick('wasi:io/streams');
    }
    blockingFlush() {
      tick('wasi:io/streams');
    }
    /** @param {bigint} n */
    writeZeroes(n) {
      tick('wasi:io/streams');
      ctx.output(this.name, new Uint8Array(Math.min(Number(n), ctx.maxBytes)));
    }
    /** @param {bigint} n */
    blockingWriteZeroesAndFlush(n) {
      this.writeZeroes(n);
    }
    splice() {
      tick('wasi:io/streams');
      closed();
    }
    blockingSplice() {
      tick('wasi:io/streams');
      closed();
    }
    subscribe() {
      return new Pollable();
    }
  }
  class TerminalInput {}
  class TerminalOutput {}
  class Descriptor {}
  class DirectoryEntryStream {}

  const monotonicNow = () => process.hrtime.bigint() - t0;
  /** @param {bigint | undefined} at */
  const sleepUntil = (at) => {
    if (at === undefined) return;
    // Never past the call's deadline: the timeout ends the call anyway.
    const ms = Math.min(Number(at - monotonicNow()) / 1e6, ctx.deadline() - performance.now());
    if (ms > 0) Atomics.wait(sleepCell, 0, 0, ms);
  };
  /** @param {bigint} len */
  const randomBytes = (len) => {
    const n = Number(len);
    if (n > ctx.maxBytes)
      throw new HostAbort('TRAP', `the guest asked for ${n} random bytes (at most ${ctx.maxBytes})`);
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
    return out;
  };
  const randomU64 = () => crypto.getRandomValues(new BigUint64Array(1))[0];
  /** @param {string} what */
  const denied = (what) => () => {
    tick(what);
    throw 'access-denied';
  };
  const sockets = () => {
    class Network {}
    class TcpSocket {}
    class UdpSocket {}
    class IncomingDatagramStream {}
    class OutgoingDatagramStream {}
    class ResolveAddressStream {}
    return {
      'wasi:sockets/network': { Network },
      'wasi:sockets/instance-network': { instanceNetwork: () => new Network() },
      'wasi:sockets/ip-name-lookup': { ResolveAddressStream, resolveAddresses: denied('wasi:sockets/ip-name-lookup') },
      'wasi:sockets/tcp': { TcpSocket },
      'wasi:sockets/tcp-create-socket': { createTcpSocket: denied('wasi:sockets/tcp-create-socket') },
      'wasi:sockets/udp': { UdpSocket, IncomingDatagramStream, OutgoingDatagramStream },
      'wasi:sockets/udp-create-socket': { createUdpSocket: denied('wasi:sockets/udp-create-socket') },
    };
  };

  return {
    'wasi:cli/environment': {
      getEnvironment: () => (tick('wasi:cli/environment'), ctx.env),
      getArguments: () => (tick('wasi:cli/environment'), []),
      initialCwd: () => (tick('wasi:cli/environment'), undefined),
    },
    'wasi:cli/exit': {
      /** @param {{ tag: string }} status */
      exit(status) {
        throw new HostAbort('TRAP', `the guest called exit (${status?.tag === 'err' ? 'error' : 'success'})`);
      },
      /** @param {number} code */
      exitWithCode(code) {
        throw new HostAbort('TRAP', `the guest called exit(${code})`);
      },
    },
    'wasi:cli/stdin': { getStdin: () => new InputStream() },
    'wasi:cli/stdout': { getStdout: () => new OutputStream('stdout') },
    'wasi:cli/stderr': { getStderr: () => new OutputStream('stderr') },
    'wasi:cli/terminal-input': { TerminalInput },
    'wasi:cli/terminal-output': { TerminalOutput },
    'wasi:cli/terminal-stdin': { getTerminalStdin: () => undefined },
    'wasi:cli/terminal-stdout': { getTerminalStdout: () => undefined },
    'wasi:cli/terminal-stderr': { getTerminalStderr: () => undefined },
    'wasi:io/error': { Error: IoError },
    'wasi:io/poll': {
      Pollable,
      /** @param {Pollable[]} list */
      poll(list) {
        tick('wasi:io/poll');
        const ready = list.map((p, i) => (p.at === undefined || monotonicNow() >= p.at ? i : -1)).filter((i) => i >= 0);
        if (ready.length > 0) return new Uint32Array(ready);
        sleepUntil(
          list.reduce(
            (min, p) => (p.at !== undefined && (min === undefined || p.at < min) ? p.at : min),
            /** @type {bigint | undefined} */ (undefined),
          ),
        );
        return new Uint32Array(
          list.map((p, i) => (p.at === undefined || monotonicNow() >= p.at ? i : -1)).filter((i) => i >= 0),
        );
      },
    },
    'wasi:io/streams': { InputStream, OutputStream },
    'wasi:clocks/wall-clock': {
      now() {
        tick('wasi:clocks/wall-clock');
        const ms = Date.now();
        return { seconds: BigInt(Math.floor(ms / 1000)), nanoseconds: (ms % 1000) * 1e6 };
      },
      resolution: () => ({ seconds: 0n, nanoseconds: 1e6 }),
    },
    'wasi:clocks/monotonic-clock': {
      now: () => (tick('wasi:clocks/monotonic-clock'), monotonicNow()),
      resolution: () => 1n,
      /** @param {bigint} at */
      subscribeInstant: (at) => new Pollable(at),
      /** @param {bigint} duration */
      subscribeDuration: (duration) => new Pollable(monotonicNow() + duration),
    },
    'wasi:random/random': {
      getRandomBytes: (/** @type {bigint} */ len) => (tick('wasi:random/random'), randomBytes(len)),
      getRandomU64: () => (tick('wasi:random/random'), randomU64()),
    },
    'wasi:random/insecure': {
      getInsecureRandomBytes: (/** @type {bigint} */ len) => (tick('wasi:random/insecure'), randomBytes(len)),
      getInsecureRandomU64: () => (tick('wasi:random/insecure'), randomU64()),
    },
    'wasi:random/insecure-seed': {
      insecureSeed: () => (tick('wasi:random/insecure-seed'), [randomU64(), randomU64()]),
    },
    'wasi:filesystem/types': {
      Descriptor,
      DirectoryEntryStream,
      filesystemErrorCode: () => undefined,
    },
    'wasi:filesystem/preopens': { getDirectories: () => (tick('wasi:filesystem/preopens'), []) },
    ...sockets(),
  };
}
