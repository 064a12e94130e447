import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteSql } from '@keel/adapter-sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { versioned } from '../../component-registry/test/support/versioned.js';
import { callStats, durationChart, formatMs } from '../src/dashboard/execution-stats.js';
import { html } from '../src/dashboard/html.js';
import { type ConsoleFixture, consoleFixture } from './support/console-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'keel-console-dashboard-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the dashboard over HTTP', () => {
  let f: ConsoleFixture;
  beforeAll(async () => {
    f = await consoleFixture(createSqliteSql({ filename: join(dir, 'dashboard.sqlite') }), {}, 100_000_000);
    for (const n of [1, 2]) {
      const put = await f.call('PUT', `/console/api/modules/billing/versions/${n}.0.0`, {
        token: f.admin,
        body: await versioned(n),
        headers: { 'content-type': 'application/wasm' },
      });
      expect(put.status).toBe(201);
    }
    await f.call('PUT', '/console/api/modules/ledger/versions/1', {
      token: f.admin,
      body: await versioned(1),
      headers: { 'content-type': 'application/wasm' },
    });
    expect((await f.registry.activate('billing', '1.0.0')).isOk()).toBe(true);
  });
  afterAll(() => f.close());

  const page = async (path: string, cookie?: string) => {
    const r = await f.call('GET', path, cookie ? { cookie } : {});
    return { ...r, text: r.body.toString('utf8') };
  };

  it('answers a signed-out browser with an HTML page that says to sign in, under a strict CSP', async () => {
    const r = await page('/console/');
    expect(r.status).toBe(401);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.headers['content-security-policy']).toContain("script-src 'self'");
    expect(r.headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(r.text).toContain('<code id="error-code">UNAUTHENTICATED</code>');
    expect(r.text).not.toContain('billing');
    // No inline script anywhere: the only script is the handler's file.
    expect(r.text.match(/<script[^>]*>/g)).toEqual(['<script src="/console/assets/dashboard.js" defer>']);
  });

  it('lists modules with their routing, searches, and shows the upload zone to an admin only', async () => {
    const admin = await page('/console/', f.admin);
    expect(admin.status).toBe(200);
    expect(admin.text).toContain('href="/console/modules/billing"');
    expect(admin.text).toContain('<span class="badge badge-ok">1.0.0</span>');
    expect(admin.text).toContain('id="upload-form"');
    const searched = await page('/console/?search=ledg', f.admin);
    expect(searched.text).toContain('/console/modules/ledger');
    expect(searched.text).not.toContain('/console/modules/billing');
    const none = await page('/console/?search=%3Cb%3E', f.admin);
    expect(none.text).toContain('No module matches “&#60;b&#62;”.');
    const viewer = await page('/console/', f.viewer);
    expect(viewer.status).toBe(200);
    expect(viewer.text).toContain('/console/modules/billing');
    expect(viewer.text).not.toContain('id="upload-form"');
  });

  it('shows a module: versions, grants, and the admin buttons only to a writer', async () => {
    const admin = await page('/console/modules/billing', f.admin);
    expect(admin.status).toBe(200);
    expect(admin.text).toContain('data-action="activate" data-name="billing" data-version="2.0.0"');
    expect(admin.text).toContain('data-action="delete" data-name="billing" data-version="2.0.0"');
    // The active version can be neither activated again nor deleted.
    expect(admin.text).not.toContain('data-version="1.0.0">Activate');
    expect(admin.text).toContain('<form class="grants" data-name="billing" data-version="1.0.0">');
    const viewer = await page('/console/modules/billing', f.viewer);
    expect(viewer.text).toContain('<h1 id="module-name">billing</h1>');
    expect(viewer.text).not.toContain('data-action=');
    expect(viewer.text).not.toContain('<form class="grants"');
    expect(viewer.text).toContain('<div class="grants-view">');
    const missing = await page('/console/modules/nothing', f.viewer);
    expect([missing.status, missing.text.includes('NOT_FOUND')]).toEqual([404, true]);
  });

  it("shows the module's call statistics from the execution records, with a bar per call", async () => {
    const component = f.registry.component('billing');
    for (let i = 0; i < 3; i++) expect((await component.call('version'))._unsafeUnwrap()).toBe(1);
    // The host writes records after the call returns: wait for them.
    for (let i = 0; i < 100; i++) {
      const p = (await f.executionLog.query({ component: 'billing' }))._unsafeUnwrap();
      if (p.items.length >= 3) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const r = await page('/console/modules/billing', f.viewer);
    expect(r.text).toContain('<section class="card" id="stats">');
    expect(r.text).toMatch(/<tr><td>1\.0\.0<\/td><td class="num">3<\/td>\s*<td class="num">0<\/td>/);
    expect(r.text.match(/<rect class="bar"/g)).toHaveLength(3);
  });

  it('shows a workflow run by id: its state and every step visit', async () => {
    const definition = {
      steps: {
        first: { component: 'billing', export: 'version', next: 'second' },
        second: { component: 'billing', export: 'slow', args: [2] },
      },
    };
    expect((await f.call('PUT', '/console/api/workflows/bill', { token: f.admin, json: definition })).status).toBe(200);
    const id = (await f.call('POST', '/console/api/workflows/bill/runs', { token: f.admin, json: { input: {} } })).json
      .id as string;
    expect((await f.workflows.wait(id))._unsafeUnwrap().state).toBe('completed');
    const r = await page(`/console/runs?id=${id}`, f.viewer);
    expect(r.status).toBe(200);
    expect(r.text).toContain('<span id="run-state"><span class="badge badge-ok">completed</span></span>');
    const steps = [...r.text.matchAll(/<tr><td>(\w+)(?: <span class="muted">← (\w+)<\/span>)?<\/td><td>(\d)<\/td>/g)];
    expect(steps.map((m) => [m[1], m[2], m[3]])).toEqual([
      ['first', undefined, '1'],
      ['second', 'first', '1'],
    ]);
    const recent = await page('/console/runs', f.viewer);
    expect(recent.text).toContain('placeholder="Run id (a UUID)"');
    // The recent runs link to this run; filters narrow them; a bad filter is the page's 400.
    expect(recent.text).toContain(`href="/console/runs?id=${id}"`);
    expect((await page('/console/runs?workflow=bill&state=completed', f.viewer)).text).toContain(id.slice(0, 8));
    expect((await page('/console/runs?workflow=other', f.viewer)).text).toContain('No runs.');
    const badState = await page('/console/runs?state=%3Cscript%3E', f.viewer);
    expect([badState.status, badState.text.includes('<script>')]).toEqual([400, false]);
    const bad = await page('/console/runs?id=nope', f.viewer);
    expect([bad.status, bad.text.includes('BAD_REQUEST: a run id is a UUID')]).toEqual([400, true]);
    const unknown = await page('/console/runs?id=00000000-0000-0000-0000-000000000000', f.viewer);
    expect(unknown.status).toBe(404);
  });

  it("shows the app's metrics: calls by module and outcome, durations, fuel, cache, alerts, runs and retries", async () => {
    let failures = 0;
    const definition = {
      steps: {
        count: { component: 'billing', export: 'version', next: 'flaky' },
        flaky: {
          run: () => (++failures <= 2 ? Promise.reject(new Error('not yet')) : 'done'),
          retry: { maxAttempts: 3, backoff: { type: 'fixed', delayMs: 1 } },
        },
      },
    } as const;
    expect((await f.workflows.register('tally', definition)).isOk()).toBe(true);
    const id = (await f.workflows.start('tally', {}))._unsafeUnwrap();
    expect((await f.workflows.wait(id))._unsafeUnwrap().state).toBe('completed');
    // A call that fails: slow's argument must be a number.
    expect((await f.registry.component('billing').call('slow', 'x')).isErr()).toBe(true);
    // Bytes that are not what their pin says: a security alert.
    expect((await f.host.load(await versioned(1), { sha256: '0'.repeat(64) })).isErr()).toBe(true);

    const r = await page('/console/metrics', f.viewer);
    expect(r.status).toBe(200);
    const text = await f.observability.metricsText();
    const row = (exp: string) =>
      new RegExp(`<tr data-component="billing@1\\.0\\.0" data-export="${exp}">[\\s\\S]*?</tr>`).exec(r.text)?.[0] ?? '';
    // The page's numbers are the scrape's.
    const calls = Number(
      /keel_wasm_executions_total\{component="billing@1\.0\.0",export="version",outcome="ok"\} (\d+)/.exec(text)?.[1],
    );
    expect(calls).toBeGreaterThanOrEqual(1);
    expect(row('version')).toContain(`<td class="num" data-cell="ok">${calls}</td>`);
    const fuel = Number(/keel_wasm_fuel_total\{component="billing@1\.0\.0",export="version"\} (\d+)/.exec(text)?.[1]);
    expect(fuel).toBeGreaterThan(0);
    expect(row('version')).toContain(`<td class="num" data-cell="fuel">${fuel}</td>`);
    expect(row('slow')).toContain('<td class="num" data-cell="error"><span class="badge badge-error">1</span></td>');
    expect(row('version')).toMatch(/<td class="num">≤ [\d.]+ (ms|s)<\/td>/);
    expect(r.text).toContain('id="duration-histogram"');
    expect(r.text).toMatch(/<dd id="cache-hit-rate">\d+\.\d %<\/dd>/);
    expect(r.text).toMatch(/<dd id="cache-entries">[1-9]\d*<\/dd>/);
    expect(r.text).toContain('<span class="badge badge-error">1</span> <code>hash_mismatch</code>');
    expect(r.text).toMatch(/<tr data-workflow="tally">[\s\S]*?<td class="num" data-state="completed">1<\/td>/);
    expect(r.text).toMatch(
      /<table class="table" id="step-retries">[\s\S]*<td>tally<\/td><td>flaky<\/td><td class="num">2<\/td>/,
    );
    expect((await page('/console/metrics')).status).toBe(401);
  });

  it('says so when the console has no metrics to read', async () => {
    const bare = await consoleFixture(createSqliteSql({ filename: join(dir, 'bare.sqlite') }), { metrics: undefined });
    try {
      const r = await bare.call('GET', '/console/metrics', { cookie: bare.admin });
      expect(r.status).toBe(501);
      expect(r.body.toString('utf8')).toContain('NOT_CONFIGURED: no metrics');
    } finally {
      await bare.close();
    }
  });

  it('serves its script and stylesheet without a session, and nothing when dashboard is false', async () => {
    const js = await f.call('GET', '/console/assets/dashboard.js');
    expect([js.status, js.headers['content-type']]).toEqual([200, 'text/javascript; charset=utf-8']);
    expect(() => new Function(js.body.toString('utf8'))).not.toThrow();
    const css = await f.call('GET', '/console/assets/dashboard.css');
    expect([css.status, css.headers['content-type']]).toEqual([200, 'text/css; charset=utf-8']);
    expect(f.api.pages).toEqual([
      'GET /assets/dashboard.js',
      'GET /assets/dashboard.css',
      'GET /',
      'GET /modules/{name}',
      'GET /metrics',
      'GET /runs',
    ]);
    const off = await consoleFixture(createSqliteSql({ filename: join(dir, 'off.sqlite') }), { dashboard: false });
    try {
      expect((await off.call('GET', '/console/', { cookie: off.admin })).status).toBe(404);
      expect(off.api.pages).toEqual([]);
    } finally {
      await off.close();
    }
  });
});

describe('the pieces of a page', () => {
  it('escapes every interpolated value, in text and in attributes', () => {
    const name = `<script>alert("x")</script>' &`;
    expect(html`<a title="${name}">${name}</a>`.text).toBe(
      '<a title="&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;&#39; &#38;">&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;&#39; &#38;</a>',
    );
    expect(html`<b>${html`<i>${'<'}</i>`}${[1, '&']}${undefined}${false}</b>`.text).toBe('<b><i>&#60;</i>1&#38;</b>');
  });

  it('counts calls and errors, takes p50 and p99 by nearest rank, sums fuel', () => {
    const records = [5, 1, 3, 2, 4, 100, 7, 6, 8, 9].map((durationMs, i) => ({
      durationMs,
      outcome: i % 4 === 0 ? ('error' as const) : ('ok' as const),
      fuelUsed: i < 3 ? 1000 : undefined,
    }));
    expect(callStats(records)).toEqual({ calls: 10, errors: 3, p50Ms: 5, p99Ms: 100, fuel: 3000 });
    expect(callStats([])).toEqual({ calls: 0, errors: 0, p50Ms: undefined, p99Ms: undefined, fuel: undefined });
    expect([formatMs(0.4242), formatMs(12.4), formatMs(1500), formatMs(undefined)]).toEqual([
      '0.42 ms',
      '12 ms',
      '1.5 s',
      '–',
    ]);
  });

  it('draws one bar per call, scaled to the longest, errors marked', () => {
    const svg = durationChart([
      { component: 'a@1', export: 'run', durationMs: 10, outcome: 'ok' },
      { component: 'a@1', export: 'run', durationMs: 40, outcome: 'error' },
    ]).text;
    expect(svg.match(/<rect class="bar"[^>]*height="(\d+)"/)?.[1]).toBe('23');
    expect(svg.match(/<rect class="bar error"[^>]*height="(\d+)"/)?.[1]).toBe('92');
    expect(svg).toContain('<title>a@1 run: 40 ms (error)</title>');
  });
});
