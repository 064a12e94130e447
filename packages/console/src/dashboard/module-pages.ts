import type { ComponentInfo, ComponentSummary, ComponentVersion } from '@keel/component-registry';
import type { StoredExecution } from '@keel/wasm-host';
import { byVersion, callStats, durationChart, formatMs } from './execution-stats.js';
import { html, type SafeHtml } from './html.js';
import { layout, type Viewer } from './layout.js';

const enc = encodeURIComponent;

/** The module list: a search box, one row per module with its routing as badges, and (for writers) the upload zone. */
export function moduleListPage(
  basePath: string,
  viewer: Viewer,
  items: readonly ComponentSummary[],
  search: string,
  next: string | undefined,
): SafeHtml {
  const rows = items.map(
    (m) => html`<tr>
  <td><a class="name" href="${basePath}/modules/${enc(m.name)}">${m.name}</a></td>
  <td>${m.active ? html`<span class="badge badge-ok">${m.active}</span>` : html`<span class="badge badge-muted">inactive</span>`}</td>
  <td>${m.canary ? html`<span class="badge badge-warn">canary ${m.canary.version} · ${m.canary.percent}%</span>` : ''}</td>
  <td class="num">${m.versionCount}</td>
  <td><time datetime="${m.lastUploadAt.toISOString()}">${m.lastUploadAt.toISOString().slice(0, 16).replace('T', ' ')}</time></td>
</tr>`,
  );
  const query = search ? `search=${enc(search)}&` : '';
  return layout(
    basePath,
    'Modules',
    viewer,
    html`<div class="head"><h1>Modules</h1>
<form class="search" method="get" action="${basePath}/" role="search">
  <input type="search" name="search" value="${search}" placeholder="Search by name" maxlength="100" aria-label="Search modules">
  <button type="submit" class="btn">Search</button>
</form></div>
${viewer.canWrite ? uploadCard() : ''}
<section class="card">
<table class="table" id="modules">
<thead><tr><th>Name</th><th>Active</th><th>Canary</th><th class="num">Versions</th><th>Last upload (UTC)</th></tr></thead>
<tbody>${rows.length ? rows : html`<tr><td colspan="5" class="empty">${search ? `No module matches “${search}”.` : 'No modules yet.'}</td></tr>`}</tbody>
</table>
${next ? html`<p class="more"><a class="btn" href="${basePath}/?${query}cursor=${enc(next)}">Next page →</a></p>` : ''}
</section>`,
  );
}

function uploadCard(): SafeHtml {
  return html`<section class="card" id="upload">
<h2>Upload a version</h2>
<form id="upload-form" class="upload">
  <label class="drop" id="drop" for="file">
    <input type="file" id="file" name="module" accept=".wasm,application/wasm">
    <strong>Drop a <code>.wasm</code> component here</strong> <span class="muted">or click to choose one</span>
    <span id="picked" class="picked"></span>
  </label>
  <div class="fields">
    <label>Name <input name="name" id="upload-name" required maxlength="200" placeholder="billing"></label>
    <label>Version <input name="version" id="upload-version" required maxlength="100" placeholder="1.0.0"></label>
    <button type="submit" class="btn btn-primary" id="upload-submit">Upload</button>
  </div>
</form>
<div id="upload-result" class="result" role="status" hidden></div>
</section>`;
}

/** One module: its routing, the execution statistics and every version with its grants and actions. */
export function moduleDetailPage(
  basePath: string,
  viewer: Viewer,
  module: ComponentInfo,
  executions: readonly StoredExecution[] | undefined,
): SafeHtml {
  const versions = [...module.versions].sort((a, b) => b.uploadedAt.getTime() - a.uploadedAt.getTime());
  return layout(
    basePath,
    module.name,
    viewer,
    html`<p class="crumbs"><a href="${basePath}/">Modules</a> / </p>
<div class="head"><h1 id="module-name">${module.name}</h1>
<div class="routing">
  ${module.active ? html`<span class="badge badge-ok" id="active">active ${module.active}</span>` : html`<span class="badge badge-muted" id="active">inactive</span>`}
  ${module.previous ? html`<span class="badge badge-muted">previous ${module.previous}</span>` : ''}
  ${module.canary ? html`<span class="badge badge-warn">canary ${module.canary.version} · ${module.canary.percent}%</span>` : ''}
  ${viewer.canWrite && module.previous ? html`<button class="btn" data-action="rollback" data-name="${module.name}">Roll back to ${module.previous}</button>` : ''}
</div></div>
${statsCard(executions)}
<section class="card"><h2>Versions</h2>
<div class="versions">${versions.map((v) => versionCard(viewer, module, v))}</div>
</section>`,
  );
}

function versionCard(viewer: Viewer, module: ComponentInfo, v: ComponentVersion): SafeHtml {
  const active = module.active === v.version;
  const grants = JSON.stringify(v.grants, null, 2);
  return html`<article class="version${active ? ' is-active' : ''}" data-version="${v.version}">
<header><h3>${v.version}</h3>
  ${active ? html`<span class="badge badge-ok">active</span>` : ''}
  ${v.signer ? html`<span class="badge badge-info">signed · ${v.signer}</span>` : html`<span class="badge badge-muted">unsigned</span>`}
  <span class="actions">
  ${viewer.canWrite && !active ? html`<button class="btn btn-primary" data-action="activate" data-name="${module.name}" data-version="${v.version}">Activate</button>` : ''}
  ${viewer.canWrite && !active ? html`<button class="btn btn-danger" data-action="delete" data-name="${module.name}" data-version="${v.version}">Delete</button>` : ''}
  </span>
</header>
<dl class="facts">
  <dt>Exports</dt><dd>${v.exports.map((e) => html`<code>${e}</code> `)}</dd>
  <dt>Size</dt><dd>${(v.size / 1024).toFixed(1)} KiB</dd>
  <dt>sha256</dt><dd><code class="hash">${v.sha256}</code></dd>
  <dt>Uploaded</dt><dd>${v.uploadedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC${v.uploadedBy ? ` by ${v.uploadedBy}` : ''}</dd>
  <dt>Limits</dt><dd><code>${JSON.stringify(v.limits)}</code></dd>
</dl>
${
  viewer.canGrant
    ? html`<form class="grants" data-name="${module.name}" data-version="${v.version}">
  <label>Grants <span class="muted">(JSON, checked by the API)</span>
  <textarea name="grants" rows="${Math.min(12, grants.split('\n').length + 1)}" spellcheck="false">${grants}</textarea></label>
  <button type="submit" class="btn">Save grants</button> <span class="grants-result" role="status"></span>
</form>`
    : html`<div class="grants-view"><span class="label">Grants</span><pre>${grants}</pre></div>`
}
</article>`;
}

function statsCard(executions: readonly StoredExecution[] | undefined): SafeHtml {
  if (!executions)
    return html`<section class="card"><h2>Calls</h2><p class="muted">No execution log: give createConsole the <code>executionLog</code> the host writes to.</p></section>`;
  if (!executions.length)
    return html`<section class="card" id="stats"><h2>Calls</h2><p class="muted">No calls recorded yet.</p></section>`;
  const rows = [...byVersion(executions)].map(([version, records]) => statsRow(version, callStats(records)));
  const recent = executions.slice(0, 60).reverse();
  return html`<section class="card" id="stats"><h2>Calls <span class="muted">(the last ${executions.length})</span></h2>
<table class="table">
<thead><tr><th>Version</th><th class="num">Calls</th><th class="num">Errors</th><th class="num">p50</th><th class="num">p99</th><th class="num">Fuel</th></tr></thead>
<tbody>${rows}${executions.length > 1 ? statsRow('all', callStats(executions), true) : ''}</tbody>
</table>
<figure><figcaption class="muted">Duration of the last ${recent.length} calls, oldest left; errors in red</figcaption>${durationChart(recent)}</figure>
</section>`;
}

function statsRow(version: string, s: ReturnType<typeof callStats>, total = false): SafeHtml {
  return html`<tr${total ? html` class="total"` : ''}><td>${version}</td><td class="num">${s.calls}</td>
<td class="num">${s.errors ? html`<span class="badge badge-error">${s.errors}</span>` : '0'}</td>
<td class="num">${formatMs(s.p50Ms)}</td><td class="num">${formatMs(s.p99Ms)}</td><td class="num">${s.fuel ?? '–'}</td></tr>`;
}
