import type { RunPage, RunStatus, StepRecord } from '@keel/workflows';
import { formatMs } from './execution-stats.js';
import { html, type SafeHtml } from './html.js';
import { layout, type Viewer } from './layout.js';

const stateBadge: Record<string, string> = {
  completed: 'badge-ok',
  running: 'badge-info',
  queued: 'badge-info',
  waiting: 'badge-muted',
  failed: 'badge-error',
  cancelled: 'badge-warn',
};

const badge = (state: string) => html`<span class="badge ${stateBadge[state] ?? 'badge-muted'}">${state}</span>`;
const json = (value: unknown) => (value === undefined ? '–' : JSON.stringify(value));

const when = (ms: number | undefined) =>
  ms === undefined ? '–' : `${new Date(ms).toISOString().replace('T', ' ').slice(0, 19)} UTC`;

/** The recent runs shown when no run is asked for, with the filters that chose them. */
export interface RecentRuns {
  readonly page: RunPage;
  readonly workflow: string;
  readonly state: string;
}

function recentRuns(basePath: string, recent: RecentRuns): SafeHtml {
  const { page, workflow, state } = recent;
  const states = ['', 'running', 'completed', 'failed', 'cancelled'];
  const older = page.next
    ? html`<p><a id="older-runs" href="${basePath}/runs?${new URLSearchParams({ workflow, state, cursor: page.next }).toString()}">Older runs →</a></p>`
    : '';
  return html`<section class="card" id="recent-runs">
<div class="head"><h2>Recent runs</h2>
<form class="search" method="get" action="${basePath}/runs">
  <input type="search" name="workflow" value="${workflow}" placeholder="Workflow" aria-label="Workflow">
  <select name="state" aria-label="State">${states.map((s) => html`<option value="${s}"${s === state ? html` selected` : ''}>${s || 'any state'}</option>`)}</select>
  <button type="submit" class="btn">Filter</button></form></div>
${
  page.runs.length === 0
    ? html`<p class="muted">No runs.</p>`
    : html`<table class="table"><thead><tr><th>Run</th><th>Workflow</th><th>State</th><th>Started</th><th>Finished</th></tr></thead>
<tbody>${page.runs.map(
        (
          r,
        ) => html`<tr><td><a href="${basePath}/runs?id=${r.id}"><code>${r.id.slice(0, 8)}</code></a></td><td>${r.workflow}</td>
<td>${badge(r.state)}${r.error ? html` <code>${r.error.code}</code>` : ''}</td><td>${when(r.createdAt)}</td><td>${when(r.finishedAt)}</td></tr>`,
      )}</tbody></table>`
}${older}</section>`;
}

/**
 * A workflow run by id: its state, input and context, and every step visit (state, attempts,
 * duration, output, error). Without an id, the recent runs (filtered by workflow and state).
 */
export function runPage(
  basePath: string,
  viewer: Viewer,
  id: string,
  run: { status: RunStatus; steps: readonly StepRecord[] } | undefined,
  problem: string | undefined,
  recent?: RecentRuns,
): SafeHtml {
  const form = html`<form class="search" method="get" action="${basePath}/runs" role="search">
  <input type="search" name="id" value="${id}" placeholder="Run id (a UUID)" aria-label="Run id" size="38">
  <button type="submit" class="btn">Show run</button></form>`;
  const body = run
    ? html`<section class="card" id="run">
<div class="head"><h2><code>${run.status.id}</code></h2><span id="run-state">${badge(run.status.state)}</span></div>
<dl class="facts">
  <dt>Workflow</dt><dd>${run.status.workflow}</dd>
  <dt>Started</dt><dd>${when(run.status.createdAt)}</dd>
  <dt>Input</dt><dd><code>${json(run.status.input)}</code></dd>
  <dt>Context</dt><dd><code>${json(run.status.context)}</code></dd>
  ${run.status.error ? html`<dt>Error</dt><dd class="error-text"><code>${run.status.error.code}</code> ${run.status.error.message}</dd>` : ''}
</dl>
<table class="table" id="steps">
<thead><tr><th>Step</th><th>Visit</th><th>State</th><th class="num">Attempts</th><th class="num">Duration</th><th class="num">Fuel</th><th>Output / error</th></tr></thead>
<tbody>${run.steps.map(
        (
          s,
        ) => html`<tr><td>${s.step}${s.via ? html` <span class="muted">← ${s.via}</span>` : ''}</td><td>${s.visit}</td>
<td>${badge(s.state)}</td><td class="num">${s.attempts}</td><td class="num">${formatMs(s.durationMs)}</td><td class="num">${s.fuelUsed ?? '–'}</td>
<td>${s.error ? html`<code>${s.error.code}</code> ${s.error.message}` : html`<code>${json(s.output)}</code>`}</td></tr>`,
      )}</tbody>
</table></section>`
    : problem
      ? html`<section class="card"><p class="result error" id="run-problem">${problem}</p></section>`
      : recent
        ? recentRuns(basePath, recent)
        : '';
  return layout(basePath, 'Workflow run', viewer, html`<div class="head"><h1>Workflow run</h1>${form}</div>${body}`);
}
