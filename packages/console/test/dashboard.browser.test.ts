import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSqliteSql } from '@keel/adapter-sqlite';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';
import { testChromium } from '@keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { versioned } from '../../component-registry/test/support/versioned.js';
import { type ConsoleFixture, consoleFixture } from './support/console-fixture.js';
import { fixturePath } from './support/forms.js';

const chrome = testChromium('dashboard browser test');
const artifacts = fileURLToPath(new URL('../test-artifacts/', import.meta.url));

const dir = mkdtempSync(join(tmpdir(), 'keel-console-browser-'));

describe.runIf(chrome.runs)('the dashboard in headless Chromium', () => {
  let f: ConsoleFixture;
  let browser: Browser;
  // A `__Host-` cookie needs https; on the test's plain http the session cookie has another name.
  const cookie = 'keel-session';
  const base = () => `${f.url}/console`;
  const signedIn = async (token: string): Promise<BrowserContext> => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    await context.addCookies([{ name: cookie, value: token, url: f.url, httpOnly: true, sameSite: 'Lax' }]);
    return context;
  };

  beforeAll(async () => {
    chrome.check();
    f = await consoleFixture(createSqliteSql({ filename: join(dir, 'browser.sqlite') }), { sessionCookie: cookie });
    browser = await chromium.launch({ executablePath: chrome.executablePath, headless: true, args: chrome.args });
    mkdirSync(artifacts, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await f?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an admin uploads by drag and drop, sees a refused file, edits grants, activates, sees the calls', async () => {
    const context = await signedIn(f.admin);
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      // A CSP violation is a console error; the refusals this test provokes (400s) are not counted.
      page.on('console', (m) => {
        if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
      });
      await page.goto(`${base()}/`);
      expect(await page.textContent('#role')).toBe('admin');

      // A real fixture of another world, through the file input: the API's code is shown.
      await page.setInputFiles('#file', fixturePath('alien'));
      await page.fill('#upload-version', '1');
      await page.click('#upload-submit');
      await page.waitForSelector('#upload-result.error');
      expect(await page.textContent('#upload-result')).toMatch(/^NOT_APP_WORLD: /);

      // A component dropped on the zone, the way a desktop drag delivers it.
      // Run in the page as text: the test's tsconfig has no DOM types.
      const base64 = Buffer.from(await versioned(1)).toString('base64');
      await page.evaluate(`(() => {
        const bytes = Uint8Array.from(atob('${base64}'), (c) => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], 'greeter.wasm', { type: 'application/wasm' }));
        const drop = document.getElementById('drop');
        for (const type of ['dragenter', 'dragover', 'drop'])
          drop.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
      })()`);
      expect(await page.textContent('#picked')).toMatch(/^greeter\.wasm · /);
      await page.fill('#upload-name', 'greeter');
      await page.fill('#upload-version', '1.0.0');
      await page.click('#upload-submit');
      await page.waitForSelector('#upload-result.ok');
      expect(await page.textContent('#upload-result')).toContain(
        'Stored greeter@1.0.0 · exports slow, version · open it',
      );
      await page.screenshot({ path: join(artifacts, 'dashboard-upload.png'), fullPage: true });

      await page.click('#uploaded-link');
      await page.waitForSelector('#module-name');
      expect(await page.textContent('#active')).toBe('inactive');
      const grants = page.locator('form.grants[data-version="1.0.0"]');
      // Grants the API refuses: its code and message, nothing stored.
      await grants.locator('textarea').fill('{ "kv": { "prefix": "greeter:" }, "teleport": true }');
      await grants.locator('button').click();
      await page.waitForSelector('.grants-result.error');
      expect(await grants.locator('.grants-result').textContent()).toMatch(/^INVALID_ARGUMENT: .*teleport/);
      await grants.locator('textarea').fill('{ "kv": { "prefix": "greeter:" } }');
      await grants.locator('button').click();
      await page.waitForSelector('#flash:has-text("Saved the grants of 1.0.0")');
      expect((await f.registry.version('greeter', '1.0.0'))._unsafeUnwrap().grants).toEqual({
        kv: { prefix: 'greeter:' },
      });

      await page.click('button[data-action="activate"][data-version="1.0.0"]');
      await page.waitForSelector('#flash:has-text("Activated 1.0.0")');
      expect(await page.textContent('#active')).toBe('active 1.0.0');
      expect((await f.registry.get('greeter'))._unsafeUnwrap().active).toBe('1.0.0');

      // A second version: activate it, roll back, then delete it — the first click only arms the button.
      const two = await f.call('PUT', '/console/api/modules/greeter/versions/2.0.0', {
        token: f.admin,
        body: await versioned(2),
        headers: { 'content-type': 'application/wasm' },
      });
      expect(two.status).toBe(201);
      await page.reload();
      await page.click('button[data-action="activate"][data-version="2.0.0"]');
      await page.waitForSelector('#flash:has-text("Activated 2.0.0")');
      await page.click('button[data-action="rollback"]');
      await page.waitForSelector('#flash:has-text("Rolled back")');
      expect(await page.textContent('#active')).toBe('active 1.0.0');
      const remove = page.locator('button[data-action="delete"][data-version="2.0.0"]');
      await remove.click();
      expect(await remove.textContent()).toBe('Confirm delete of 2.0.0');
      expect((await f.registry.get('greeter'))._unsafeUnwrap().versions).toHaveLength(2);
      await remove.click();
      await page.waitForSelector('#flash:has-text("Deleted 2.0.0")');
      expect((await f.registry.get('greeter'))._unsafeUnwrap().versions.map((v) => v.version)).toEqual(['1.0.0']);

      for (let i = 0; i < 4; i++)
        expect((await f.registry.component('greeter').call('version'))._unsafeUnwrap()).toBe(1);
      for (let i = 0; i < 100; i++) {
        if ((await f.executionLog.query({ component: 'greeter' }))._unsafeUnwrap().items.length >= 4) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await page.reload();
      await page.waitForSelector('#stats svg.chart');
      expect(await page.locator('#stats rect.bar').count()).toBe(4);
      await page.screenshot({ path: join(artifacts, 'dashboard-module.png'), fullPage: true });

      // The metrics page, from the nav: the four calls counted, the duration histogram drawn.
      await page.click('header nav a:has-text("Metrics")');
      await page.waitForSelector('#metrics-calls');
      expect(await page.textContent('tr[data-component="greeter@1.0.0"][data-export="version"] [data-cell="ok"]')).toBe(
        '4',
      );
      expect(await page.locator('#duration-histogram rect.bar').count()).toBeGreaterThan(0);
      expect(await page.textContent('#cache-hit-rate')).toMatch(/^\d+\.\d %$/);
      expect(errors).toEqual([]);
      await page.screenshot({ path: join(artifacts, 'dashboard-metrics.png'), fullPage: true });
    } finally {
      await context.close();
    }
  }, 60_000);

  it('a viewer sees no admin button, and a forged admin request from the page is refused', async () => {
    const context = await signedIn(f.viewer);
    try {
      const page = await context.newPage();
      await page.goto(`${base()}/`);
      expect(await page.textContent('#role')).toBe('read only');
      expect(await page.locator('#upload-form').count()).toBe(0);
      await page.goto(`${base()}/modules/greeter`);
      await page.waitForSelector('#module-name');
      expect(await page.locator('[data-action]').count()).toBe(0);
      expect(await page.locator('form.grants').count()).toBe(0);
      expect(await page.textContent('.grants-view pre')).toContain('"prefix": "greeter:"');
      // What a viewer could type in the console: the same-origin request with the cookie.
      const forged = await page.evaluate(async (b) => {
        const a = await fetch(`${b}/api/modules/greeter/rollback`, { method: 'POST' });
        const r = await fetch(`${b}/api/modules/greeter/versions/1.0.0`, { method: 'DELETE' });
        const g = await fetch(`${b}/api/modules/greeter/versions/1.0.0/grants`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        });
        const code = async (x: Response) => ((await x.json()) as { error: { code: string } }).error.code;
        return [a.status, await code(a), r.status, await code(r), g.status, await code(g)];
      }, base());
      expect(forged).toEqual([403, 'FORBIDDEN', 403, 'FORBIDDEN', 403, 'FORBIDDEN']);
      expect((await f.registry.version('greeter', '1.0.0'))._unsafeUnwrap().grants).toEqual({
        kv: { prefix: 'greeter:' },
      });
      await page.screenshot({ path: join(artifacts, 'dashboard-viewer.png'), fullPage: true });
    } finally {
      await context.close();
    }
  }, 60_000);
});
