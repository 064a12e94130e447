import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { testChromium } from '@keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../src/app.js';
import { Client, eventually, newEmail } from './client.js';

const browser = testChromium('console browser test');
const artifacts = fileURLToPath(new URL('./artifacts/', import.meta.url));
const adminToken = 'operator-token-of-the-console-test-0123456789';
const password = 'plum orbit granite 42';

describe.runIf(browser.runs)('the console mounted at /console for the app admins, in headless Chromium', () => {
  let app: RunningApp;
  let profileDir: string;
  const url = () => app.url;

  beforeAll(async () => {
    app = await startApp({ env: { KEEL_PROFILE: 'test', KEEL_APP_ADMIN_TOKEN: adminToken } });
    profileDir = mkdtempSync(join(tmpdir(), 'keel-saas-console-'));
  });
  afterAll(async () => {
    await app?.close();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  });

  /** A user whom the operator made an admin (the role comes with the next sign-in), and a plain member. */
  async function users() {
    const admin = new Client(url());
    const adminEmail = newEmail('console-admin');
    const { userId, workspaceId } = await admin.signup(adminEmail, password, 'Ops Co');
    const operator = { authorization: `Bearer ${adminToken}` };
    // Only the operator's token names admins: a signed-in user cannot make itself one.
    expect((await admin.request('PUT', '/api/admin/roles', { userId, admin: true })).status).toBe(401);
    const granted = await new Client(url()).request('PUT', '/api/admin/roles', { userId, admin: true }, operator);
    expect(granted.status).toBe(200);
    expect((await admin.post('/api/login', { email: adminEmail, password })).status).toBe(200);
    const member = new Client(url());
    const memberEmail = newEmail('console-member');
    await member.signup(memberEmail, password);
    return { admin, adminEmail, workspaceId, member, memberEmail };
  }

  it("shows an admin the intake run of a task they create; refuses a member, the signed-out and other sites' changes", async () => {
    const { admin, adminEmail, workspaceId, member, memberEmail } = await users();
    const created = await admin.post(`/api/workspaces/${workspaceId}/tasks`, { title: '!! Prod is down' });
    expect(created.status).toBe(201);
    const intake = await eventually(async () => {
      const r = await admin.get(`/api/workspaces/${workspaceId}/tasks/${created.body.task.id}/intake`);
      return r.status === 200 && r.body.state === 'completed' ? (r.body as { runId: string }) : undefined;
    }, 10_000);

    // The API, over the app's session cookie: the run and the component calls it made.
    const runs = await admin.get('/console/api/runs?workflow=task-intake');
    expect(runs.status).toBe(200);
    expect(runs.body.items.map((r: { id: string }) => r.id)).toContain(intake.runId);
    const executions = await admin.get('/console/api/executions?module=task-route');
    expect(executions.status).toBe(200);
    expect(executions.body.items.length).toBeGreaterThan(0);
    // The member is signed in to the app, but holds no role: the console refuses, by permission.
    const refused = await member.get('/console/api/modules');
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('FORBIDDEN');
    expect((await new Client(url()).get('/console/api/modules')).status).toBe(401);
    // Past the app's JSON guard, the console's own CSRF check holds for a cookie session.
    const crossSite = await admin.request(
      'POST',
      '/console/api/modules/task-route/rollback',
      {},
      {
        origin: 'https://evil.example',
      },
    );
    expect(crossSite.status).toBe(403);
    expect(crossSite.body.error.code).toBe('CSRF');

    const context = await chromium.launchPersistentContext(mkdtempSync(join(profileDir, 'run-')), {
      executablePath: browser.executablePath,
      headless: true,
      args: browser.args,
      viewport: { width: 1100, height: 800 },
    });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      const signIn = async (email: string) => {
        await page.goto(url());
        await page.fill('#login input[name=email]', email);
        await page.fill('#login input[name=password]', password);
        await page.click('#login button');
        await page.waitForSelector('#who');
      };
      await signIn(adminEmail);
      await page.goto(`${url()}/console/runs?workflow=task-intake`);
      expect(await page.textContent('#who')).toBe(adminEmail);
      await page.click(`#recent-runs a[href$="${intake.runId}"]`);
      await page.waitForSelector('#run-state .badge:has-text("completed")');
      const steps = await page.locator('#steps tbody td:first-child').allTextContents();
      expect(steps.map((s) => s.split(' ')[0])).toEqual(
        expect.arrayContaining(['validate', 'route', 'enrich', 'notify']),
      );
      mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: join(artifacts, 'saas-console-run.png'), fullPage: true });
      await page.goto(`${url()}/console/`);
      await page.waitForSelector('main a:has-text("task-route")');
      // The metrics page: the intake's component calls and its completed run, from the app's metrics.
      await page.click('header nav a:has-text("Metrics")');
      await page.waitForSelector('#metrics-calls');
      expect(await page.locator('#metrics-calls tr[data-component^="task-route@"]').count()).toBeGreaterThan(0);
      expect(
        Number(await page.textContent('tr[data-workflow="task-intake"] [data-state="completed"]')),
      ).toBeGreaterThan(0);
      await page.screenshot({ path: join(artifacts, 'saas-console-metrics.png'), fullPage: true });

      // The member, in the same browser after signing out: the console says no.
      await context.clearCookies();
      await signIn(memberEmail);
      const answer = await page.goto(`${url()}/console/`);
      expect(answer?.status()).toBe(403);
      expect(await page.textContent('#error-code')).toBe('FORBIDDEN');
      await context.clearCookies();
      expect((await page.goto(`${url()}/console/runs`))?.status()).toBe(401);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 30_000);
});
