import type { OutboxRow, Task, Workspace } from './store.js';

export interface PageModel {
  readonly email: string;
  readonly workspace: Workspace | undefined;
  readonly tasks: readonly Task[];
  readonly outbox: readonly OutboxRow[];
}

/** The one server-rendered page: sign up / log in, or the workspace's tasks and recent mail. */
export function renderPage(model: PageModel | undefined): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Keel SaaS example</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; color: #1d2433; }
  h1 { font-size: 1.5rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
  form { display: flex; gap: .5rem; flex-wrap: wrap; margin: .5rem 0; }
  input { padding: .4rem; border: 1px solid #99a; border-radius: 4px; flex: 1; min-width: 10rem; }
  button { padding: .4rem .8rem; border: 0; border-radius: 4px; background: #2d5bd7; color: white; cursor: pointer; }
  ul { padding-left: 1.2rem; } li.done span { text-decoration: line-through; color: #889; }
  li button { margin-left: .5rem; padding: .1rem .5rem; font-size: .8rem; }
  #message { color: #b3261e; min-height: 1.5rem; } .muted { color: #667; font-size: .9rem; }
</style></head><body>
<h1>Keel SaaS example</h1>
<p id="message" role="alert"></p>
${model ? signedIn(model) : signedOut()}
<script>${script}</script>
</body></html>`;
}

function signedOut(): string {
  return `<h2>Sign up</h2>
<form data-action="/api/signup" id="signup">
  <input name="email" type="email" placeholder="you@example.com" required autocomplete="username">
  <input name="password" type="password" placeholder="password (12+ characters)" required minlength="12" autocomplete="new-password">
  <input name="workspace" placeholder="workspace name (optional)">
  <button>Sign up</button>
</form>
<h2>Log in</h2>
<form data-action="/api/login" id="login">
  <input name="email" type="email" placeholder="you@example.com" required autocomplete="username">
  <input name="password" type="password" placeholder="password" required autocomplete="current-password">
  <button>Log in</button>
</form>`;
}

function signedIn({ email, workspace, tasks, outbox }: PageModel): string {
  const items = tasks
    .map(
      (t) =>
        `<li class="${t.done ? 'done' : ''}" data-task-id="${t.id}"><span>${escapeHtml(t.title)}</span>${t.done ? '' : `<button data-complete="/api/workspaces/${t.workspaceId}/tasks/${t.id}/complete">done</button>`}</li>`,
    )
    .join('\n');
  const mail = outbox
    .map(
      (m) =>
        `<li>${escapeHtml(m.subject)} → ${escapeHtml(m.to.join(', '))} <span class="muted">(${escapeHtml(m.status)})</span></li>`,
    )
    .join('\n');
  return `<p>Signed in as <strong id="who">${escapeHtml(email)}</strong>
<form data-action="/api/logout" id="logout" style="display:inline"><button>Log out</button></form></p>
${
  workspace
    ? `<h2>Tasks in <span id="workspace">${escapeHtml(workspace.name)}</span> <span class="muted">(${escapeHtml(workspace.plan)} plan)</span></h2>
<form data-action="/api/workspaces/${workspace.id}/tasks" id="new-task">
  <input name="title" placeholder="What needs doing?" required maxlength="200">
  <button>Add task</button>
</form>
<ul id="tasks">${items}</ul>${tasks.length === 0 ? '<p class="muted" id="no-tasks">No tasks yet.</p>' : ''}`
    : '<p>No workspace.</p>'
}
<h2>Your mail (dev outbox)</h2>
<ul id="outbox">${mail}</ul>
<p class="muted">JSON: <a href="/api/outbox">/api/outbox</a> · <a href="/api/rules/log">/api/rules/log</a> · <a href="/health">/health</a></p>`;
}

// The page's only script: forms post JSON with the CSRF token from its cookie, then reload.
const script = `
const csrf = () => (document.cookie.split('; ').find((c) => c.startsWith('__Host-csrf=')) || '').slice(12);
async function post(url, body) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': decodeURIComponent(csrf()) }, body: JSON.stringify(body) });
  if (res.ok) return location.reload();
  const { error } = await res.json().catch(() => ({ error: { message: res.statusText } }));
  document.getElementById('message').textContent = error.code + ': ' + error.message;
}
for (const form of document.querySelectorAll('form[data-action]')) {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    post(form.dataset.action, Object.fromEntries(new FormData(form)));
  });
}
for (const button of document.querySelectorAll('button[data-complete]')) button.addEventListener('click', () => post(button.dataset.complete, {}));
`;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
