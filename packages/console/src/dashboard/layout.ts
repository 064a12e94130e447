import { html, type SafeHtml } from './html.js';

/** Who looks at a page and what they may do: the buttons a page shows follow it. */
export interface Viewer {
  readonly email: string | undefined;
  /** `components:write`: upload, activate, roll back, delete. */
  readonly canWrite: boolean;
  /** `components:grant`: edit grants. */
  readonly canGrant: boolean;
  /** `workflows:read`: the run page. */
  readonly canReadRuns: boolean;
}

/** The page around a view: the header, the stylesheet and the script, both served by the handler. */
export function layout(basePath: string, title: string, viewer: Viewer | undefined, body: SafeHtml): SafeHtml {
  const role = viewer ? (viewer.canWrite ? 'admin' : 'read only') : undefined;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Keel console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${basePath}/assets/dashboard.css">
<script src="${basePath}/assets/dashboard.js" defer></script>
</head>
<body data-base="${basePath}">
<header class="top">
  <a class="brand" href="${basePath}/"><span class="logo" aria-hidden="true">◆</span> Keel console</a>
  <nav><a href="${basePath}/">Modules</a>${viewer?.canReadRuns ? html` <a href="${basePath}/runs">Runs</a>` : ''}${viewer ? html` <a href="${basePath}/metrics">Metrics</a>` : ''}</nav>
  ${viewer ? html`<span class="who"><span id="who">${viewer.email ?? 'signed in'}</span> <span class="badge ${viewer.canWrite ? 'badge-admin' : 'badge-muted'}" id="role">${role}</span></span>` : ''}
</header>
<main>
<div id="flash" class="flash" role="status" hidden></div>
${body}
</main>
</body>
</html>
`;
}

/** A page that only says why it cannot be shown (signed out, no permission, not found). */
export function messagePage(basePath: string, title: string, message: string, code: string): SafeHtml {
  return layout(
    basePath,
    title,
    undefined,
    html`<section class="card narrow"><h1>${title}</h1><p>${message}</p><p class="muted"><code id="error-code">${code}</code></p></section>`,
  );
}
