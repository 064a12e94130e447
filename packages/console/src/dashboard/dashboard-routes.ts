import type { IncomingMessage } from 'node:http';
import type { ComponentRegistry } from '@keel/component-registry';
import { ok, type Result } from '@keel/core';
import type { RunState, Workflows } from '@keel/workflows';
import type { ExecutionSource, MetricsSource } from '../console-options.js';
import type { HttpFailure } from '../console-errors.js';
import type { Reply } from '../http-io.js';
import { moduleName } from '../names.js';
import type { Route } from '../router.js';
import { dashboardScript } from './dashboard-script.js';
import { dashboardStyle } from './dashboard-style.js';
import type { SafeHtml } from './html.js';
import { messagePage, type Viewer } from './layout.js';
import { metricsPage } from './metrics-page.js';
import { summarizeMetrics } from './metrics-summary.js';
import { moduleDetailPage, moduleListPage } from './module-pages.js';
import { parsePrometheusText } from './prometheus-text.js';
import { type RecentRuns, runPage } from './run-page.js';

export interface DashboardOptions {
  readonly registry: ComponentRegistry;
  readonly executionLog: ExecutionSource | undefined;
  readonly workflows: Workflows | undefined;
  readonly metrics: MetricsSource | undefined;
  readonly basePath: string;
  /** Who is calling (the API's authentication and permission check), or the failure to show. */
  identify(req: IncomingMessage): Promise<Result<Viewer, HttpFailure>>;
}

/**
 * The page routes: every page may be read in a browser, scripts come only from the handler.
 * `style-src 'self'` holds because the chart's sizes are SVG attributes, not styles.
 */
const csp =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/** How many execution records a module page reads for its statistics. */
const statsWindow = 500;

/**
 * The dashboard: server-rendered pages over the same registry and execution log as the API, a
 * stylesheet and one script. The pages are public routes that authenticate themselves, so a
 * signed-out browser gets a page that says so rather than JSON; they are not in the OpenAPI document.
 */
export function dashboardRoutes(o: DashboardOptions): Route[] {
  const { basePath } = o;
  return [
    asset('/assets/dashboard.js', 'text/javascript; charset=utf-8', dashboardScript),
    asset('/assets/dashboard.css', 'text/css; charset=utf-8', dashboardStyle),
    page('/', async (req, query) => {
      const viewer = await o.identify(req);
      if (viewer.isErr()) return failurePage(basePath, viewer.error);
      const search = (query.get('search') ?? '').slice(0, 100);
      const cursor = query.get('cursor') ?? undefined;
      const list = await o.registry.list({ limit: 50, ...(search ? { search } : {}), ...(cursor ? { cursor } : {}) });
      if (list.isErr())
        return failurePage(basePath, { status: 503, code: list.error.code, message: list.error.message });
      return htmlReply(moduleListPage(basePath, viewer.value, list.value.items, search, list.value.cursor));
    }),
    page('/modules/{name}', async (req, _query, params) => {
      const viewer = await o.identify(req);
      if (viewer.isErr()) return failurePage(basePath, viewer.error);
      const name = moduleName(params.name);
      if (name.isErr()) return failurePage(basePath, name.error);
      const module = await o.registry.get(name.value);
      if (module.isErr())
        return failurePage(basePath, {
          status: module.error.code === 'NOT_FOUND' ? 404 : 503,
          code: module.error.code,
          message: module.error.message,
        });
      let executions: readonly import('@keel/wasm-host').StoredExecution[] | undefined;
      if (o.executionLog) {
        const page = await o.executionLog.query({ component: name.value, limit: statsWindow });
        // The module is still worth showing when its records cannot be read: the card says so.
        executions = page.isOk() ? page.value.items : [];
      }
      return htmlReply(moduleDetailPage(basePath, viewer.value, module.value, executions));
    }),
    page('/metrics', async (req) => {
      const viewer = await o.identify(req);
      if (viewer.isErr()) return failurePage(basePath, viewer.error);
      if (!o.metrics)
        return htmlReply(
          metricsPage(
            basePath,
            viewer.value,
            'NOT_CONFIGURED: no metrics: give createConsole `metrics: keel.observability`',
          ),
          501,
        );
      let text: string;
      try {
        text = await o.metrics.metricsText();
      } catch {
        // A reader's message may name internals: the page says only that it failed.
        return htmlReply(metricsPage(basePath, viewer.value, 'UNAVAILABLE: the metrics could not be read'), 503);
      }
      return htmlReply(metricsPage(basePath, viewer.value, summarizeMetrics(parsePrometheusText(text))));
    }),
    page('/runs', async (req, query) => {
      const viewer = await o.identify(req);
      if (viewer.isErr()) return failurePage(basePath, viewer.error);
      if (!viewer.value.canReadRuns)
        return failurePage(basePath, {
          status: 403,
          code: 'FORBIDDEN',
          message: "this needs the permission 'workflows:read'",
        });
      const id = (query.get('id') ?? '').trim();
      const show = (run?: Parameters<typeof runPage>[3], problem?: string, status = 200, recent?: RecentRuns) =>
        htmlReply(runPage(basePath, viewer.value, id, run, problem, recent), status);
      if (!o.workflows)
        return show(undefined, 'NOT_CONFIGURED: no workflows: give createConsole the workflows instance', 501);
      if (!id) {
        const workflow = (query.get('workflow') ?? '').trim();
        const state = query.get('state') ?? '';
        const cursor = query.get('cursor');
        const page = await o.workflows.list({
          ...(workflow ? { workflow } : {}),
          ...(state ? { state: state as RunState } : {}),
          ...(cursor ? { cursor } : {}),
          limit: 50,
        });
        if (page.isErr())
          return show(
            undefined,
            `${page.error.code}: ${page.error.message}`,
            page.error.code === 'INVALID_ARGUMENT' ? 400 : 503,
          );
        return show(undefined, undefined, 200, { page: page.value, workflow, state });
      }
      if (!/^[0-9a-f-]{36}$/.test(id)) return show(undefined, 'BAD_REQUEST: a run id is a UUID', 400);
      const status = await o.workflows.status(id);
      if (status.isErr())
        return show(
          undefined,
          `${status.error.code}: ${status.error.message}`,
          status.error.code === 'NOT_FOUND' ? 404 : 503,
        );
      const steps = await o.workflows.history(id);
      if (steps.isErr()) return show(undefined, `${steps.error.code}: ${steps.error.message}`, 503);
      return show({ status: status.value, steps: steps.value });
    }),
  ];
}

/** A GET route outside the OpenAPI document: public to the pipeline, a page authenticates itself. */
function page(
  path: string,
  render: (req: IncomingMessage, query: URLSearchParams, params: Readonly<Record<string, string>>) => Promise<Reply>,
  media = 'text/html',
): Route {
  return {
    method: 'GET',
    path,
    permission: undefined,
    public: true,
    operation: {
      operationId: `dashboard${path}`,
      summary: 'A dashboard page or asset',
      tags: ['dashboard'],
      success: { status: 200, description: media, media },
      errors: [],
    },
    handle: async (ctx) => ok(await render(ctx.req, ctx.query, ctx.params)),
  };
}

function asset(path: string, contentType: string, text: string): Route {
  const bytes = Buffer.from(text, 'utf8');
  return page(path, async () => ({ bytes, contentType }), contentType);
}

function htmlReply(body: SafeHtml, status = 200): Reply {
  return {
    status,
    bytes: Buffer.from(body.text, 'utf8'),
    contentType: 'text/html; charset=utf-8',
    headers: { 'Content-Security-Policy': csp, 'X-Frame-Options': 'DENY', 'Referrer-Policy': 'same-origin' },
  };
}

const titles: Record<number, string> = { 401: 'Sign in', 403: 'Not allowed', 404: 'Not found' };

function failurePage(basePath: string, f: HttpFailure): Reply {
  const message = f.status === 401 ? `${f.message}. Sign in through the app, then come back here.` : f.message;
  return htmlReply(messagePage(basePath, titles[f.status] ?? 'Unavailable', message, f.code), f.status);
}
