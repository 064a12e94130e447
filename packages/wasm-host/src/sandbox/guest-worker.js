// @ts-check
// Isolated mode: one component instance in its own worker thread. The host thread sends calls
// by message; the guest's synchronous imports are bridged back to the adapters on the host
// thread: the request is posted on a MessagePort, the worker sleeps in Atomics.wait on a
// shared flag, and takes the reply with receiveMessageOnPort. A call that runs past its timeout
// is ended by terminating this thread. Plain JavaScript because Node 20 workers cannot load
// TypeScript.
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { evaluateGlue, instantiateGuest, listExports } from './glue.js';
import { Invocation, classifyFailure } from './invocation.js';
import { createKeelImports } from './keel-imports.js';
import { FuelTank } from './fuel-tank.js';
import { MemoryBudget } from './memory-budget.js';
import { HostAbort, createWasiImports } from './wasi.js';
import { withHttp } from './wasi-http.js';

/**
 * What the worker is started with: all a load knows at once, so that Node starts here while the
 * host hashes, reads and compiles the component (see src/runtime/booting-worker.ts).
 * @typedef {object} GuestWorkerData
 * @property {import('./invocation.js').InvocationLimits} limits
 * @property {number} maxMemoryPages
 * @property {number | undefined} maxFuel          fuel per call, when the modules have fuel points
 * @property {boolean} [recycle]                   a pool's worker: every call on a fresh instance
 * @property {import('node:worker_threads').MessagePort} port
 * @property {SharedArrayBuffer} flag
 */

/**
 * The component, the host's first message.
 * @typedef {object} GuestSetup
 * @property {string} glue
 * @property {import('./keel-imports.js').InterfacePlan[]} plan
 * @property {[string, string][]} env
 * @property {string[] | undefined} http           the allow-list, when the component imports wasi:http
 * @property {import('./wasi-http.js').ShimUrls | undefined} shim  where preview2-shim is, with `http`
 */

const host = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);
const data = /** @type {GuestWorkerData} */ (workerData);
const { port } = data;
const flag = new Int32Array(data.flag);
const invocation = new Invocation(data.limits);
/** Polls of the reply flag before sleeping: about 10-20 µs. */
const SPIN = 4000;

/** @param {string} short @param {string} fn @param {boolean} notify */
function bind(short, fn, notify) {
  if (notify) return (/** @type {unknown[]} */ args) => void port.postMessage({ short, fn, args, notify: true });
  return (/** @type {unknown[]} */ args) => {
    port.postMessage({ short, fn, args });
    // A fast adapter answers in a few microseconds: polling that long is cheaper than the
    // futex sleep and wake-up. Then sleep until the host raises the flag.
    for (let spins = 0; spins < SPIN && Atomics.load(flag, 0) === 0; spins++);
    while (Atomics.load(flag, 0) === 0) Atomics.wait(flag, 0, 0);
    Atomics.store(flag, 0, 0);
    // The host posts the reply before it raises the flag; the loop only guards against a reply
    // that is not yet visible on this side.
    let received = receiveMessageOnPort(port);
    for (let spins = 0; !received; spins++) {
      if (spins > 1000) Atomics.wait(flag, 1, 0, 1);
      received = receiveMessageOnPort(port);
    }
    const reply = received.message;
    if ('ok' in reply) return reply.ok;
    if ('err' in reply) throw reply.err;
    throw new HostAbort(reply.abort.code, reply.abort.message);
  };
}

/** The host's next message (one posted before anybody listens waits on the port). */
const next = () => new Promise((resolve) => host.once('message', resolve));

const setup = /** @type {GuestSetup} */ (await next());
const instantiate = evaluateGlue(setup.glue);
/** @type {import('./wasi.js').WasiContext} */
const wasiContext = {
  env: setup.env,
  tick: invocation.note,
  charge: invocation.tick,
  output: invocation.output,
  deadline: invocation.deadline,
  maxBytes: data.limits.maxOutputBytes,
};
let imports = {
  ...createWasiImports(wasiContext),
  ...createKeelImports(setup.plan, bind, invocation.tick),
};
if (setup.http) {
  // The allow-list is matched on the host thread (@keel/http-client's matcher), asked through the bridge.
  const ask = bind('wasi:http', 'allows', false);
  /** @type {(scheme: string, authority: string | undefined) => boolean} */
  const allows = (scheme, authority) => ask([scheme, authority]) === true;
  imports = await withHttp(
    imports,
    wasiContext,
    {
      allows,
      // Counted here (the report goes with the result); logged on the host thread.
      denied: (scheme, authority) => {
        invocation.denied++;
        port.postMessage({ short: 'wasi:http', fn: 'denied', args: [scheme, authority, true], notify: true });
      },
    },
    setup.shim,
  );
}

/**
 * The compiled core modules, the host's second message: they compile while this worker starts
 * and evaluates the glue above.
 */
const { modules } = /** @type {{ modules: Record<string, import('./glue.js').CompiledModule> }} */ (await next());

/** @type {ReturnType<typeof instantiateGuest> | undefined} */
let guest;
/** The budget of the latest instance, kept when instantiating it fails. */
let budget = new MemoryBudget(data.maxMemoryPages);
const fuel = data.maxFuel === undefined ? undefined : new FuelTank(data.maxFuel);
function fresh() {
  budget = new MemoryBudget(data.maxMemoryPages);
  // Start-up code runs on fuel too, a budget of its own.
  fuel?.refill();
  guest = instantiateGuest(instantiate, modules, imports, budget, fuel);
  return guest;
}

/** @param {{ exports: Record<string, unknown> }} instance @param {string} name */
function resolveExport(instance, name) {
  const hash = name.indexOf('#');
  if (hash < 0) return instance.exports[name];
  const iface = /** @type {Record<string, unknown> | undefined} */ (instance.exports[name.slice(0, hash)]);
  return iface?.[name.slice(hash + 1)];
}

try {
  invocation.begin();
  host.postMessage({ type: 'ready', exports: listExports(fresh().exports) });
} catch (error) {
  const failure = classifyFailure(error, budget.refused(), fuel?.exhausted());
  host.postMessage({ type: 'failed', code: failure.code, message: failure.message });
}

host.on(
  'message',
  (/** @type {{ type: 'call', id: number, name: string, args: unknown[], fuel?: number }} */ message) => {
    if (message.type !== 'call') return;
    invocation.begin();
    let instance;
    try {
      instance = guest ?? fresh();
    } catch (error) {
      const failure = classifyFailure(error, false);
      host.postMessage({
        type: 'result',
        id: message.id,
        error: { ...failure, code: 'UNAVAILABLE' },
        report: invocation.report(),
        memoryPages: 0,
      });
      return;
    }
    const fn = /** @type {(...args: unknown[]) => unknown} */ (resolveExport(instance, message.name));
    instance.budget.resetDenied();
    fuel?.refill(message.fuel);
    let reply;
    try {
      const value = fn(...message.args);
      reply = { type: 'result', id: message.id, ok: value };
    } catch (thrown) {
      const failure = classifyFailure(thrown, instance.budget.refused(), fuel?.exhausted());
      if (!failure.keepInstance) guest = undefined;
      reply = { type: 'result', id: message.id, error: failure };
    }
    const full = { ...reply, report: invocation.report(), memoryPages: instance.budget.used(), fuelUsed: fuel?.used() };
    try {
      host.postMessage(full);
    } catch (error) {
      host.postMessage({
        type: 'result',
        id: message.id,
        error: {
          code: 'INTERNAL',
          message: `the result cannot leave the worker: ${/** @type {Error} */ (error).message}`,
          keepInstance: true,
        },
        report: full.report,
        memoryPages: full.memoryPages,
        fuelUsed: full.fuelUsed,
      });
    }
    if (data.recycle) {
      // The next call must not see this one's state: the instance is dropped and the next made
      // now, while the host takes the result. A failure here is the next call's to report.
      guest = undefined;
      invocation.begin();
      try {
        fresh();
      } catch {
        guest = undefined;
      }
    }
  },
);
