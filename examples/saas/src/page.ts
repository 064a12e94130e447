import type { OutboxRow } from './mail-store.js';
import type { Task, TaskAuditEntry, Workspace } from './store.js';

export interface SignedInModel {
  readonly view: 'signed-in';
  readonly email: string;
  readonly workspace: Workspace | undefined;
  readonly tasks: readonly Task[];
  /** The workspace's latest task changes, newest first. */
  readonly audit: readonly TaskAuditEntry[];
  /** Whose page it is: their own changes show as "you". */
  readonly userId: string;
  readonly outbox: readonly OutboxRow[];
}

export type PageModel =
  | SignedInModel
  /** `devMail`: the dev mailbox's mail (see `dev-mailbox.ts`), when it is on and this browser signed up. */
  | { readonly view: 'signed-out'; readonly devMail: readonly OutboxRow[] | undefined }
  /** The pages the mailed links open, with the link's token. */
  | { readonly view: 'verify' | 'reset'; readonly token: string };

/**
 * The one server-rendered page: sign up / log in (and, in development, the mail of the account
 * this browser signed up), the workspace's tasks and recent mail, or what a mailed link opens.
 */
export function renderPage(model: PageModel): string {
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
  #message { color: #b3261e; min-height: 1.5rem; } #notice { color: #1b6e2d; } #notice:empty { display: none; } .muted { color: #667; font-size: .9rem; }
</style></head><body>
<h1>Keel SaaS example</h1>
<p id="notice" role="status"></p>
<p id="message" role="alert"></p>
${body(model)}
<script>${script}</script>
</body></html>`;
}

function body(model: PageModel): string {
  if (model.view === 'signed-in') return signedIn(model);
  if (model.view === 'signed-out') return signedOut(model.devMail);
  const token = `<input type="hidden" name="token" value="${escapeHtml(model.token)}">`;
  if (model.view === 'verify') {
    return `<h2>Confirm your email</h2>
<form data-action="/api/verify-email" data-next="/" id="verify">${token}<button>Confirm my email</button></form>`;
  }
  return `<h2>Choose a new password</h2>
<form data-action="/api/reset-password" data-next="/" id="reset">${token}
  <input name="password" type="password" placeholder="new password (12+ characters)" required minlength="12"
    autocomplete="new-password">
  <button>Set the password</button>
</form>`;
}

function signedOut(devMail: readonly OutboxRow[] | undefined): string {
  const mailbox =
    devMail === undefined
      ? ''
      : `<h2>Dev mailbox</h2>
<p class="muted">Mail goes to the dev provider, so the mail of the account this browser signed up is shown here
instead of in an inbox (none when the address already had an account: its owner was told instead).</p>
<ul id="outbox">${devMail.map(mailItem).join('\n')}</ul>
${devMail.length === 0 ? '<p class="muted">No mail yet.</p>' : ''}`;
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
</form>
${mailbox}`;
}

function signedIn({ email, workspace, tasks, audit, userId, outbox }: SignedInModel): string {
  const items = tasks
    .map(
      (t) =>
        `<li class="${t.done ? 'done' : ''}" data-task-id="${t.id}"><span>${escapeHtml(t.title)}</span>${t.done ? '' : `<button data-complete="/api/workspaces/${t.workspaceId}/tasks/${t.id}/complete">done</button>`}</li>`,
    )
    .join('\n');
  const mail = outbox.map(mailItem).join('\n');
  return `<p>Signed in as <strong id="who">${escapeHtml(email)}</strong>
<form data-action="/api/logout" id="logout" style="display:inline"><button>Log out</button></form></p>
${
  workspace
    ? `<h2>Tasks in <span id="workspace">${escapeHtml(workspace.name)}</span> <span class="muted">(${escapeHtml(workspace.plan)} plan)</span></h2>
<form data-action="/api/workspaces/${workspace.id}/tasks" id="new-task">
  <input name="title" placeholder="What needs doing?" required maxlength="200">
  <button>Add task</button>
</form>
<ul id="tasks" data-tasks="/api/workspaces/${workspace.id}/tasks/" data-subject="workspace.${workspace.id}.tasks" data-live="/api/live?subject=workspace.${workspace.id}.tasks">${items}</ul>${tasks.length === 0 ? '<p class="muted" id="no-tasks">No tasks yet.</p>' : ''}
<h2>Activity</h2>
<ul id="audit">${audit.map((a) => auditItem(a, userId)).join('\n')}</ul>
<p class="muted">JSON: <a href="/api/workspaces/${workspace.id}/audit">/api/workspaces/${workspace.id}/audit</a></p>`
    : '<p>No workspace.</p>'
}
<h2>Your mail (dev outbox)</h2>
<ul id="outbox">${mail}</ul>
<p class="muted">JSON: <a href="/api/outbox">/api/outbox</a> · <a href="/api/rules/log">/api/rules/log</a> · <a href="/health">/health</a></p>`;
}

/** One change of a task: who, what (the fields changed), when. */
function auditItem(a: TaskAuditEntry, userId: string): string {
  const who = a.actor === userId ? 'you' : (a.actor ?? 'the system');
  const what = Object.entries(a.changes)
    .filter(([field]) => field !== 'id' && field !== 'createdBy')
    .map(([field, change]) => `${field}: ${JSON.stringify(change.new)}`)
    .join(', ');
  const when = new Date(a.at).toISOString().replace('T', ' ').slice(0, 19);
  return `<li>${escapeHtml(who)} ${escapeHtml(a.operation)}d task ${a.taskId} <span class="muted">(${escapeHtml(what)}, ${when} UTC)</span></li>`;
}

/** One mail: subject, recipient, status, and its links (a verification or reset link). */
function mailItem(m: OutboxRow): string {
  const links = m.links.map((l) => ` <a class="mail-link" href="${escapeHtml(l)}">open the link</a>`).join('');
  const status = `<span class="muted">(${escapeHtml(m.status)})</span>`;
  return `<li>${escapeHtml(m.subject)} → ${escapeHtml(m.to.join(', '))} ${status}${links}</li>`;
}

// The page's only script: forms post JSON with the CSRF token from its cookie, then reload (or go
// to data-next), showing the answer's message, if any, on the next page.
const script = `
const csrf = () => (document.cookie.split('; ').find((c) => c.startsWith('__Host-csrf=')) || '').slice(12);
const notice = sessionStorage.getItem('notice');
if (notice) { sessionStorage.removeItem('notice'); document.getElementById('notice').textContent = notice; }
async function post(url, body, next) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': decodeURIComponent(csrf()) }, body: JSON.stringify(body) });
  const answer = await res.json().catch(() => ({ error: { code: res.status, message: res.statusText } }));
  const problem = answer.error && answer.error.code + ': ' + answer.error.message;
  if (!res.ok) return (document.getElementById('message').textContent = problem);
  if (answer.message) sessionStorage.setItem('notice', answer.message);
  return next ? location.assign(next) : location.reload();
}
for (const form of document.querySelectorAll('form[data-action]')) {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    post(form.dataset.action, Object.fromEntries(new FormData(form)), form.dataset.next);
  });
}
for (const button of document.querySelectorAll('button[data-complete]')) button.addEventListener('click', () => post(button.dataset.complete, {}));
// Live: tasks created or completed by anyone in the workspace (another user, another tab) appear
// without a reload, from the Server-Sent Events of /api/live (live-tasks.ts).
const list = document.getElementById('tasks');
if (list && window.EventSource) {
  const source = new EventSource(list.dataset.live);
  // Marked once the stream is open (the tests wait for it; a style could too).
  source.addEventListener('keel:ready', () => (list.dataset.state = 'live'));
  source.addEventListener(list.dataset.subject, (event) => {
    const change = JSON.parse(event.data);
    if (change.type === 'created' && !list.querySelector('[data-task-id="' + change.task.id + '"]')) {
      const item = document.createElement('li');
      item.dataset.taskId = change.task.id;
      const title = document.createElement('span');
      title.textContent = change.task.title;
      const done = document.createElement('button');
      done.textContent = 'done';
      done.addEventListener('click', () => post(list.dataset.tasks + change.task.id + '/complete', {}));
      item.append(title, done);
      list.append(item);
      document.getElementById('no-tasks')?.remove();
    }
    const item = change.type === 'completed' && list.querySelector('[data-task-id="' + change.taskId + '"]');
    if (item) { item.classList.add('done'); item.querySelector('button')?.remove(); }
  });
}
`;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
