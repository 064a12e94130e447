import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testPostgres, testRedis, testChromium } from '@keel/testing';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it as test } from 'vitest';
import { startApp, type RunningApp } from '../src/app.js';
import { Client, newEmail } from './client.js';

const browser = testChromium('browser test');
const artifacts = fileURLToPath(new URL('./artifacts/', import.meta.url));

const pg = await testPostgres();
const redis = await testRedis();

/** The profiles the page runs on: the environment of each, or why it cannot run here. */
const profiles: {
  profile: string;
  skip?: string;
  env: () => Promise<Record<string, string>>;
  cleanup?: () => Promise<void>;
}[] = [
  { profile: 'test', env: async () => ({ KEEL_PROFILE: 'test' }) },
  {
    profile: 'cluster',
    skip: pg.skip ?? redis.skip,
    env: async () => ({
      KEEL_PROFILE: 'cluster',
      KEEL_SQL_OPTIONS_CONNECTION_STRING: (await pg.server?.database('saas_browser')) ?? '',
      KEEL_KV_OPTIONS_URL: redis.server?.url ?? '',
      KEEL_KV_OPTIONS_KEY_PREFIX: redis.server?.prefix('saas-browser') ?? '',
      KEEL_MESSAGING_OPTIONS_URL: redis.server?.url ?? '',
      KEEL_MESSAGING_OPTIONS_KEY_PREFIX: redis.server?.prefix('saas-browser-msg') ?? '',
    }),
    cleanup: async () => {
      await pg.server?.cleanup();
      await redis.server?.cleanup();
    },
  },
];

for (const { profile, skip } of profiles)
  if (skip && browser.present) console.warn(`browser test on profile ${profile} skipped: ${skip}`);

describe.runIf(browser.runs).each(profiles)('the web page in headless Chromium, profile $profile', (profile) => {
  let app: RunningApp | undefined;
  let profileDir: string;
  const it = test.skipIf(profile.skip !== undefined);
  // Screenshots of the first profile keep their names; the others' carry the profile's.
  const shot = (name: string) =>
    join(artifacts, profile.profile === 'test' ? `${name}.png` : `${name}-${profile.profile}.png`);

  beforeAll(async () => {
    browser.check();
    if (profile.skip) return;
    app = await startApp({ env: await profile.env() });
    profileDir = mkdtempSync(join(tmpdir(), 'keel-saas-chromium-'));
  });
  afterAll(async () => {
    await app?.close();
    await profile.cleanup?.();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  });
  const url = () => (app as RunningApp).url;

  // A fresh browser profile each time: no cookie carries over from one test to the next.
  const launch = () =>
    chromium.launchPersistentContext(mkdtempSync(join(profileDir, 'run-')), {
      executablePath: browser.executablePath,
      headless: true,
      args: browser.args,
      viewport: { width: 900, height: 800 },
    });

  it('signs up, confirms from the dev mailbox, logs in, creates a task, completes it, sees the list', async () => {
    const context = await launch();
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(url());
      const email = newEmail('browser');
      await page.fill('#signup input[name=email]', email);
      await page.fill('#signup input[name=password]', 'plum orbit granite 42');
      await page.fill('#signup input[name=workspace]', 'Browser Co');
      await page.click('#signup button');
      // The same answer for every address; signed out, the dev mailbox shows this account's mail.
      await page.waitForSelector('#notice:has-text("Check your mail")');
      expect(await page.locator('#who').count()).toBe(0);
      const link = page.locator('#outbox li:has-text("Confirm your email") a.mail-link');
      // The mail is enqueued in the background: reload until it is there.
      for (let i = 0; i < 50 && (await link.count()) === 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        await page.reload();
      }
      mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: shot('saas-dev-mailbox'), fullPage: true });
      await link.click();
      await page.waitForSelector('#verify button');
      await page.click('#verify button');
      await page.waitForSelector('#notice:has-text("Your email is confirmed")');
      await page.fill('#login input[name=email]', email);
      await page.fill('#login input[name=password]', 'plum orbit granite 42');
      await page.click('#login button');
      await page.waitForSelector('#who');
      expect(await page.textContent('#who')).toBe(email);
      expect(await page.textContent('#workspace')).toBe('Browser Co');

      for (const title of ['Buy milk', 'Write the launch post']) {
        await page.fill('#new-task input[name=title]', title);
        await page.click('#new-task button');
        await page.waitForSelector(`#tasks li:has-text("${title}")`);
      }
      await page.click('#tasks li:has-text("Buy milk") button');
      await page.waitForSelector('#tasks li.done:has-text("Buy milk")');
      expect(await page.locator('#tasks li span').allTextContents()).toEqual(['Buy milk', 'Write the launch post']);
      await page.waitForFunction("document.querySelector('#outbox')?.textContent?.includes('Welcome to Keel SaaS')");
      // The audit trail, newest first: the completion, then the two creations.
      await page.waitForFunction("document.querySelector('#audit')?.textContent?.includes('you updated task 1')");
      expect(await page.locator('#audit li').count()).toBe(3);
      expect(errors).toEqual([]);
      await page.screenshot({ path: shot('saas-tasks'), fullPage: true });
    } finally {
      await context.close();
    }
  }, 60_000);

  it("shows a task another member creates and completes without a reload; a non-member's stream is refused", async () => {
    const password = 'plum orbit granite 42';
    const [alice, bob, carol] = [new Client(url()), new Client(url()), new Client(url())];
    const aliceEmail = newEmail('live-alice');
    const { workspaceId } = await alice.signup(aliceEmail, password, 'Live Co');
    const { userId: bobId } = await bob.signup(newEmail('live-bob'), password);
    await carol.signup(newEmail('live-carol'), password);
    expect((await alice.post(`/api/workspaces/${workspaceId}/members`, { userId: bobId })).status).toBe(201);
    const stream = `/api/live?subject=workspace.${workspaceId}.tasks`;
    expect((await carol.get(stream)).status).toBe(403);
    expect((await new Client(url()).get(stream)).status).toBe(401);
    expect((await bob.post(`/api/workspaces/${workspaceId}/members`, { userId: bobId })).status).toBe(403);

    const context = await launch();
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(url());
      await page.fill('#login input[name=email]', aliceEmail);
      await page.fill('#login input[name=password]', password);
      await page.click('#login button');
      await page.waitForSelector('#tasks[data-state="live"]', { state: 'attached' });
      // Gone after a reload: its presence at the end shows the page was never reloaded.
      await page.evaluate(() => Object.assign(globalThis, { notReloaded: true }));
      const created = await bob.post(`/api/workspaces/${workspaceId}/tasks`, { title: 'From Bob, live' });
      expect(created.status).toBe(201);
      await page.waitForSelector('#tasks li:has-text("From Bob, live")');
      await bob.post(`/api/workspaces/${workspaceId}/tasks/${created.body.task.id}/complete`);
      await page.waitForSelector('#tasks li.done:has-text("From Bob, live")');
      expect(await page.evaluate(() => (globalThis as { notReloaded?: boolean }).notReloaded)).toBe(true);
      expect(errors).toEqual([]);
      mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: shot('saas-live'), fullPage: true });
    } finally {
      await context.close();
    }
  }, 60_000);

  it("refuses another site's form that would sign the browser into the attacker's account (login CSRF)", async () => {
    const attacker = { email: newEmail('attacker'), password: 'plum orbit granite 42' };
    await new Client(url()).signup(attacker.email, attacker.password);
    // The attacker's page, on another site (localhost is not 127.0.0.1's site), posts a form on load.
    const html = `<form method="post" action="${url()}/api/login">
      <input name="email" value="${attacker.email}"><input name="password" value="${attacker.password}">
      </form><script>document.forms[0].submit()</script>`;
    const evil = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html));
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    const context = await launch();
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      await page.goto(`http://localhost:${(evil.address() as AddressInfo).port}/`);
      await page.waitForURL(`${url()}/api/login`);
      expect(await page.textContent('body')).toContain('CROSS_SITE_REJECTED');
      expect((await context.cookies(url())).map((c) => c.name)).not.toContain('__Host-session');
      await page.goto(url());
      expect(await page.locator('#who').count()).toBe(0);
      expect(await page.locator('#signup').count()).toBe(1);
    } finally {
      await context.close();
      evil.close();
    }
  }, 60_000);
});
