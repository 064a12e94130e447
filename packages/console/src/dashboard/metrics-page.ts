import { formatMs } from './execution-stats.js';
import { html, type SafeHtml } from './html.js';
import { layout, type Viewer } from './layout.js';
import type { MetricsSummary } from './metrics-summary.js';

const seconds = (s: number | undefined) =>
  s === undefined ? '–' : s === Number.POSITIVE_INFINITY ? 'over the last bucket' : `≤ ${formatMs(s * 1000)}`;
const percent = (r: number | undefined) => (r === undefined ? '–' : `${(r * 100).toFixed(1)} %`);
const count = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2));

/**
 * The metrics page: the app's metrics as the last scrape reads them (`metricsText()`): component
 * calls by module, export and outcome with their duration bucket p50/p99 and fuel, the duration
 * histogram, permission denials, the transpile cache (hit rate, entries), security alerts, and
 * workflow runs by state and step retries. Counters are this process's since it started; the
 * workflow numbers are read from the tables, the same in every process.
 */
export function metricsPage(basePath: string, viewer: Viewer, m: MetricsSummary | string): SafeHtml {
  const body =
    typeof m === 'string'
      ? html`<section class="card"><p class="result error" id="metrics-problem">${m}</p></section>`
      : html`${callsCard(m)}
<div class="grid">${cacheCard(m)}${alertsCard(m)}</div>
${denialsCard(m)}${runsCard(basePath, m)}`;
  return layout(
    basePath,
    'Metrics',
    viewer,
    html`<div class="head"><h1>Metrics</h1><p class="muted">This process since it started; workflow numbers from the tables.</p></div>${body}`,
  );
}

function callsCard(m: MetricsSummary): SafeHtml {
  const rows = m.calls.map(
    (
      c,
    ) => html`<tr data-component="${c.component}" data-export="${c.export}"><td class="name">${c.component}</td><td><code>${c.export}</code></td>
<td class="num" data-cell="ok">${count(c.ok)}</td><td class="num" data-cell="error">${c.error ? html`<span class="badge badge-error">${count(c.error)}</span>` : '0'}</td>
<td class="num">${seconds(c.p50)}</td><td class="num">${seconds(c.p99)}</td><td class="num" data-cell="fuel">${c.fuel ? count(c.fuel) : '–'}</td></tr>`,
  );
  return html`<section class="card" id="metrics-calls"><h2>Component calls</h2>
${
  m.calls.length
    ? html`<table class="table"><thead><tr><th>Module</th><th>Export</th><th class="num">OK</th><th class="num">Errors</th><th class="num">p50</th><th class="num">p99</th><th class="num">Fuel</th></tr></thead>
<tbody>${rows}</tbody></table>
<figure><figcaption class="muted">Calls by duration (every module)</figcaption>${histogram(m.durations)}</figure>`
    : html`<p class="muted">No component calls yet.</p>`
}</section>`;
}

function histogram(buckets: MetricsSummary['durations']): SafeHtml {
  const width = 480;
  const height = 110;
  const shown = buckets.filter((b) => b.le !== Number.POSITIVE_INFINITY || b.count > 0);
  const max = Math.max(1, ...shown.map((b) => b.count));
  const bar = shown.length ? Math.floor(width / shown.length) - 2 : 0;
  const bars = shown.map((b, i) => {
    const h = b.count ? Math.max(2, Math.round((b.count / max) * (height - 24))) : 0;
    // No space inside a tick's label: the buckets' labels sit side by side.
    const label = b.le === Number.POSITIVE_INFINITY ? '+∞' : formatMs(b.le * 1000).replace(' ', '');
    return html`<rect class="bar" x="${i * (bar + 2)}" y="${height - 16 - h}" width="${bar}" height="${h}"><title>${label}: ${b.count} calls</title></rect>
<text class="tick" x="${i * (bar + 2) + bar / 2}" y="${height - 4}" text-anchor="middle">${label}</text>`;
  });
  return html`<svg class="chart" id="duration-histogram" role="img" aria-label="Component calls by duration bucket" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">${bars}</svg>`;
}

function cacheCard(m: MetricsSummary): SafeHtml {
  const sources = Object.entries(m.loads);
  return html`<section class="card" id="metrics-cache"><h2>Transpile cache</h2>
<dl class="facts"><dt>Hit rate</dt><dd id="cache-hit-rate">${percent(m.hitRate)}</dd>
<dt>In memory</dt><dd id="cache-entries">${m.cacheEntries ?? '–'}</dd>
<dt>Loads</dt><dd>${sources.length ? sources.map(([s, n]) => html`<span class="badge badge-muted">${s} ${count(n)}</span> `) : '–'}</dd></dl></section>`;
}

function alertsCard(m: MetricsSummary): SafeHtml {
  const alerts = Object.entries(m.securityAlerts);
  return html`<section class="card" id="metrics-alerts"><h2>Security alerts</h2>
${
  alerts.length
    ? html`<ul class="plain">${alerts.map(([reason, n]) => html`<li><span class="badge badge-error">${count(n)}</span> <code>${reason}</code></li>`)}</ul>`
    : html`<p class="muted">None: every load matched its hash and signature.</p>`
}</section>`;
}

function denialsCard(m: MetricsSummary): SafeHtml {
  return html`<section class="card" id="metrics-denials"><h2>Permission denials</h2>
${
  m.denials.length
    ? html`<table class="table"><thead><tr><th>Module</th><th>Host call</th><th class="num">Denied</th></tr></thead><tbody>${m.denials.map(
        (d) =>
          html`<tr><td class="name">${d.component}</td><td><code>${d.target}</code></td><td class="num">${count(d.count)}</td></tr>`,
      )}</tbody></table>`
    : html`<p class="muted">No host call refused.</p>`
}</section>`;
}

function runsCard(basePath: string, m: MetricsSummary): SafeHtml {
  const workflows = [...new Set(m.runs.map((r) => r.workflow))];
  const states = ['running', 'completed', 'failed', 'cancelled'];
  const retries = m.stepRetries.length
    ? html`<h3>Step retries</h3><table class="table" id="step-retries"><thead><tr><th>Workflow</th><th>Step</th><th class="num">Retries</th></tr></thead><tbody>${m.stepRetries.map(
        (r) => html`<tr><td>${r.workflow}</td><td>${r.step}</td><td class="num">${count(r.count)}</td></tr>`,
      )}</tbody></table>`
    : html`<p class="muted">No step retried.</p>`;
  const circuits = m.circuits.length
    ? html`<p id="circuits">Circuits not closed: ${m.circuits.map((c) => html`<span class="badge ${c.state === 'open' ? 'badge-error' : 'badge-warn'}">${c.component} ${c.state}</span> `)}</p>`
    : '';
  return html`<section class="card" id="metrics-runs"><h2>Workflow runs</h2>
${
  workflows.length
    ? html`<table class="table"><thead><tr><th>Workflow</th>${states.map((s) => html`<th class="num">${s}</th>`)}</tr></thead><tbody>${workflows.map(
        (w) =>
          html`<tr data-workflow="${w}"><td class="name"><a href="${basePath}/runs?${new URLSearchParams({ workflow: w }).toString()}">${w}</a></td>${states.map(
            (s) =>
              html`<td class="num" data-state="${s}">${count(m.runs.filter((r) => r.workflow === w && r.state === s).reduce((a, r) => a + r.count, 0))}</td>`,
          )}</tr>`,
      )}</tbody></table>`
    : html`<p class="muted">No workflow runs (or no workflows reporting metrics).</p>`
}${retries}${circuits}</section>`;
}
