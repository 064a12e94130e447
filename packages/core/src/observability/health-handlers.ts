import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HealthReport } from '../lifecycle/health.js';

export interface HealthHandlerOptions {
  /**
   * Whether this caller may see each instance's report (its error, adapter figures such as file
   * paths). Nobody by default: anonymous callers learn ok or not ok. It may throw to refuse a
   * caller its own way; the throw comes out of the handler's promise.
   * @default () => false
   */
  readonly details?: (req: IncomingMessage) => boolean;
  /** A health check still running after this long counts as not ready. @default 5000 */
  readonly timeoutMs?: number;
}

/** Node `(req, res)` handlers for probes and monitors. */
export interface HealthHandlers {
  /** 200 `{ ok: true }` when every instance answers its health check, else 503 `{ ok: false }`. */
  readiness(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** 200 `{ ok: true }` until the app is closed, then 503: no adapter is checked, so an outage never restarts the process. */
  liveness(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

const closedApps = new WeakSet<object>();

/** Notes that an app was closed: its liveness answers 503 from now on. */
export function noteClosed(app: object): void {
  closedApps.add(app);
}

/**
 * Readiness and liveness handlers over `keel.health()`. Bodies are JSON; the reports, which can
 * hold file paths and internal errors, go only to callers `details` allows.
 *
 * @example
 * const probes = healthHandlers(keel, { details: (req) => req.headers.authorization === `Bearer ${adminToken}` });
 * if (url === '/health/ready') return probes.readiness(req, res);
 * if (url === '/health/live') return probes.liveness(req, res);
 */
export function healthHandlers(
  app: { health(): Promise<readonly HealthReport[]> },
  options: HealthHandlerOptions = {},
): HealthHandlers {
  const details = options.details ?? (() => false);
  const timeoutMs = options.timeoutMs ?? 5000;
  if (typeof details !== 'function') throw new TypeError('healthHandlers: details must be a function (req) => boolean');
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1)
    throw new TypeError(`healthHandlers: timeoutMs must be a positive integer, got ${String(timeoutMs)}`);
  return Object.freeze({
    async readiness(req: IncomingMessage, res: ServerResponse) {
      if (refused(req, res)) return;
      const full = details(req);
      const checked = await withTimeout(app.health(), timeoutMs);
      const ok = checked?.every((r) => r.ok) === true;
      const body = !full
        ? { ok }
        : checked === undefined
          ? { ok, error: `the health check took longer than ${timeoutMs} ms` }
          : { ok, instances: checked };
      send(req, res, ok ? 200 : 503, body);
    },
    async liveness(req: IncomingMessage, res: ServerResponse) {
      if (refused(req, res)) return;
      const live = !closedApps.has(app);
      send(req, res, live ? 200 : 503, { ok: live });
    },
  });
}

function refused(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method === 'GET' || req.method === 'HEAD') return false;
  res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'application/json' }).end('{"ok":false}');
  return true;
}

function send(req: IncomingMessage, res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : JSON.stringify(body));
}

/** The value, or `undefined` when it takes longer than `ms` (its late failure is dropped). */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, ms, undefined);
  });
  promise.catch(() => undefined);
  return Promise.race([promise.catch(() => undefined), late]).finally(() => clearTimeout(timer));
}
