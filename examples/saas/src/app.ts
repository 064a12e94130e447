import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createKeel, createMigrator, type Env, type Keel, type Kv } from '@keel/core';
import { createCsrfProtection, oidcAuthAdapter } from '@keel/adapter-auth';
import { createEmailOutbox, emailAdapters } from '@keel/adapter-email';
import { levelKvAdapter } from '@keel/adapter-kv-level';
import { memoryKvAdapter } from '@keel/adapter-kv-memory';
import { redisKvAdapter } from '@keel/adapter-kv-redis';
import { memoryMessagingAdapter } from '@keel/adapter-messaging-memory';
import { redisMessagingAdapter } from '@keel/adapter-messaging-redis';
import { postgresAdapter } from '@keel/adapter-postgres';
import { sqliteAdapter } from '@keel/adapter-sqlite';
import { createRepositoryMigrator } from '@keel/repository';
import type { TracerProvider } from '@opentelemetry/api';
import { createAdminCheck } from './admin.js';
import { createAdminConsole, isConsolePath } from './admin-console.js';
import { createAppEvents, subscribeTaskCompletedMail } from './app-events.js';
import { createAppJobs, startAppWorkers } from './app-jobs.js';
import { createAppNotifications } from './app-notifications.js';
import { appTemplateSamples, createAppTemplates } from './app-templates.js';
import { createPreviewHandler } from '@keel/templates';
import { createAuthMail } from './auth-mail.js';
import { betterAuthWithAppMail } from './better-auth.js';
import { loadProfile } from './config.js';
import { createDevMailbox } from './dev-mailbox.js';
import { createLiveEndpoint, relayTaskEvents } from './live-tasks.js';
import { localAuthWithAppMail } from './local-auth.js';
import { unwrap } from './http-errors.js';
import { sendError } from './http.js';
import { httpTracing } from './http-tracing.js';
import { createMailStore } from './mail-store.js';
import { migrations } from './migrations.js';
import { createPendingWorkspaces } from './pending-workspaces.js';
import { createPlanLimitRule } from './plan-limit.js';
import { createAppFlags } from './app-flags.js';
import { createRateLimiter } from './rate-limit.js';
import { createReadCache } from './read-cache.js';
import { guardStateChange } from './request-guard.js';
import { route, type AppContext } from './routes.js';
import { createSessions } from './session.js';
import { createStore } from './store.js';
import { createTaskIntake, type TaskIntake } from './task-intake.js';
import { createTaskRepository } from './task-repository.js';
import { createWorkspaceRepositories } from './workspace-repository.js';

/** The adapters the profiles (and `KEEL_*_ADAPTER` overrides) can choose; auth's `local` is added per start. */
const adapters = [
  memoryKvAdapter,
  levelKvAdapter,
  redisKvAdapter,
  memoryMessagingAdapter,
  redisMessagingAdapter,
  sqliteAdapter,
  postgresAdapter,
  ...emailAdapters,
  oidcAuthAdapter,
];

export interface StartOptions {
  /** `KEEL_PROFILE`, `KEEL_DATA_DIR`, `KEEL_<SECTION>_…`, `KEEL_APP_…`. @default process.env */
  readonly env?: Env;
  /** 0 picks a free port. @default 0 */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /**
   * Where spans go (Keel's and the request spans): the app's OpenTelemetry SDK. Without it, the
   * one registered globally, if any. Tracing is on while the config's `observability.traces` is.
   */
  readonly tracerProvider?: TracerProvider;
}

export interface RunningApp {
  readonly url: string;
  readonly keel: Keel;
  readonly server: Server;
  close(): Promise<void>;
}

/**
 * Starts the example: Keel from the profile, migrations, the outbox dispatcher, the event
 * subscriptions (the "task completed" mail, the read cache's invalidation), the HTTP server with a
 * span per request (`tracerProvider`, or the global SDK, while the config's traces are on).
 * Every change (any method but GET, HEAD, OPTIONS) passes `guardStateChange` before its route: same-site
 * and JSON only. `KEEL_APP_ADMIN_TOKEN` (32+ characters) is the bearer token for `/health`'s details.
 * Auth's verification links, reset links and `account-exists` notices go out through the app's
 * transactional outbox (`auth-mail.ts`), each recorded as its user's mail.
 *
 * @example
 * const app = await startApp({ env: { KEEL_PROFILE: 'test' } });
 * await fetch(`${app.url}/health`);
 * await app.close();
 */
export async function startApp(options: StartOptions = {}): Promise<RunningApp> {
  const env = options.env ?? process.env;
  const profile = loadProfile(env);
  // Checked before anything opens: a short token stops start-up. Empty means unset.
  const admin = createAdminCheck(env.KEEL_APP_ADMIN_TOKEN || undefined);
  const authMail = createAuthMail();
  const started = await createKeel(profile.keel, {
    // The profile has the adapter overrides applied already; the observability ones apply here.
    env: Object.fromEntries(Object.entries(env).filter(([name]) => name.startsWith('KEEL_OBSERVABILITY_'))),
    adapters: [...adapters, localAuthWithAppMail(authMail.deliverToken), betterAuthWithAppMail(authMail.deliverToken)],
    ...(options.tracerProvider ? { tracerProvider: options.tracerProvider } : {}),
  });
  if (started.isErr()) throw started.error;
  const keel = started.value;
  // The rule's component loads (and, isolated, its worker starts) while the migrations run.
  const loadingRule = createPlanLimitRule(keel, {
    maxFreeTasks: profile.app.freePlanMaxTasks,
    cacheDir: profile.usesDataDir ? join(profile.dataDir, 'wasm-cache') : false,
    mode: profile.app.ruleMode,
  });
  let intake: TaskIntake | undefined;
  try {
    const [migrated, rule] = await Promise.allSettled([
      (async () => {
        // The repository's audit table first, then the app's tables (the tasks' among them).
        await unwrap(createRepositoryMigrator(keel.sql).up());
        await unwrap(createMigrator(keel.sql, { migrations, scope: 'saas' }).up());
      })(),
      loadingRule,
    ]);
    if (migrated.status === 'rejected') throw migrated.reason;
    if (rule.status === 'rejected') throw rule.reason;
    const outbox = createEmailOutbox({
      sql: keel.sql,
      email: keel.email,
      pollIntervalMs: profile.app.outboxPollIntervalMs,
      observability: keel.observability,
      onError: (e) => console.error('[saas] outbox', e),
    });
    await unwrap(outbox.migrate());
    const jobs = createAppJobs(keel.sql, { pollIntervalMs: profile.app.outboxPollIntervalMs });
    await unwrap(jobs.migrate());
    const csrf = createCsrfProtection({ secret: env.KEEL_APP_SECRET ?? (await persistentSecret(keel.kv)) });
    const events = createAppEvents(keel.sql, { onError: (e) => console.error('[saas] events', e) });
    await unwrap(events.migrate());
    const mail = createMailStore(keel.sql, outbox);
    const templates = await createAppTemplates(keel.sql);
    const notifications = createAppNotifications(keel.sql, jobs, templates, mail);
    await unwrap(notifications.migrate());
    intake = await createTaskIntake(keel, mail, {
      cacheDir: profile.usesDataDir ? join(profile.dataDir, 'wasm-cache') : false,
      mode: profile.app.ruleMode,
      pollIntervalMs: profile.app.outboxPollIntervalMs,
    });
    const flags = createAppFlags(keel.kv);
    await unwrap(flags.ready());
    const repositories = {
      tasks: createTaskRepository(keel.sql, events),
      ...createWorkspaceRepositories(keel.sql, events),
    };
    const store = createStore(keel.sql, mail, repositories, events);
    const sessions = createSessions(keel.auth, csrf);
    const ctx: AppContext = {
      keel,
      store,
      mail,
      // Only while mail goes to the dev provider, which delivers nowhere: see dev-mailbox.ts.
      devMailbox: createDevMailbox(keel.kv, keel.email.adapter === 'outbox'),
      pending: createPendingWorkspaces(keel.kv),
      sessions,
      live: createLiveEndpoint(keel, sessions, store),
      limiter: createRateLimiter(keel.kv, profile.app.rateLimitPerMinute),
      flags,
      cache: createReadCache(keel.kv, profile.app.cacheTtlMs),
      planRule: rule.value,
      intake,
      settings: profile.app,
      profile: profile.name,
      admin,
      templates,
      notifications,
      previewTemplate: createPreviewHandler(templates, {
        samples: appTemplateSamples,
        basePath: '/api/admin/templates',
      }),
    };
    const traced = httpTracing(keel, options.tracerProvider);
    const adminConsole = createAdminConsole(keel, intake);
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (isConsolePath(url.pathname)) return traced(req, res, '/console/*', async () => adminConsole(req, res));
      let found: ReturnType<typeof route> | undefined;
      let unrouted: unknown;
      try {
        found = route(req.method ?? 'GET', url.pathname);
      } catch (error) {
        unrouted = error;
      }
      traced(req, res, found?.template, () =>
        Promise.resolve()
          .then(() => {
            if (!found) throw unrouted;
            guardStateChange(req);
            return found.handler(ctx, req, res, found.params);
          })
          .catch((error: unknown) => {
            if (res.headersSent) res.destroy();
            else sendError(res, error);
          }),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
    });
    outbox.start();
    startAppWorkers(jobs, keel.sql);
    notifications.work()._unsafeUnwrap();
    const pollIntervalMs = profile.app.outboxPollIntervalMs;
    subscribeTaskCompletedMail(events, notifications, { pollIntervalMs });
    ctx.cache.subscribe(events, { pollIntervalMs });
    ctx.intake.subscribe(events);
    relayTaskEvents(events, keel.messaging, { pollIntervalMs });
    const { port } = server.address() as AddressInfo;
    const url = `http://${options.host ?? '127.0.0.1'}:${port}`;
    authMail.attach(mail, () => profile.app.publicUrl || url);
    let closing: Promise<void> | undefined;
    return {
      url,
      keel,
      server,
      close: () =>
        (closing ??= (async () => {
          // The live streams end first: their consumers are deleted while messaging is still open.
          await ctx.live.close();
          server.closeAllConnections();
          await new Promise<void>((resolve) => server.close(() => resolve()));
          flags.close();
          await jobs.close();
          await events.close();
          await ctx.intake.close();
          await outbox.stop();
          await ctx.planRule.close();
          await keel.close();
        })()),
    };
  } catch (error) {
    // Whatever failed, the components' hosts (and their workers) and the adapters are closed before the error goes up.
    await intake?.close();
    await loadingRule.then((rule) => rule.close()).catch(() => undefined);
    await keel.close();
    throw error;
  }
}

/** A CSRF secret kept in kv, so that tokens survive a restart on a persistent profile. */
async function persistentSecret(kv: Kv): Promise<string> {
  await unwrap(kv.compareAndSwap('app:csrf-secret', undefined, randomBytes(32).toString('base64url')));
  return String(await unwrap(kv.get('app:csrf-secret')));
}
