/**
 * The dashboard's only script, served at `<basePath>/assets/dashboard.js` (no inline script, so
 * a strict Content-Security-Policy holds). It calls the JSON API with the session cookie; the
 * browser adds `Origin` to every POST, PUT and DELETE, which is what the console's CSRF check reads.
 */
export const dashboardScript = `'use strict';
(() => {
  const base = document.body.dataset.base || '';
  const api = (path) => base + '/api' + path;
  const mod = (name) => '/modules/' + encodeURIComponent(name);
  const flash = document.getElementById('flash');

  const show = (el, text, kind) => {
    el.hidden = false;
    el.textContent = text;
    el.className = (el.className.replace(/ ?(ok|error)$/, '')) + ' ' + kind;
  };
  const stored = sessionStorage.getItem('keel-flash');
  if (stored && flash) {
    sessionStorage.removeItem('keel-flash');
    show(flash, stored, 'ok');
  }
  const reloadWith = (text) => {
    sessionStorage.setItem('keel-flash', text);
    location.reload();
  };
  const describe = (body, status) =>
    body && body.error ? body.error.code + ': ' + body.error.message : 'HTTP ' + status;

  async function call(method, path, json) {
    const init = { method, credentials: 'same-origin', headers: {} };
    if (json !== undefined) {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(json);
    }
    const res = await fetch(api(path), init);
    const body = res.status === 204 ? null : await res.json().catch(() => null);
    return { ok: res.ok, status: res.status, body };
  }

  // Activate, roll back, delete (two clicks: the first arms the button, the second confirms).
  document.addEventListener('click', async (event) => {
    const button = event.target.closest('button[data-action]');
    if (!button) return;
    const { action, name, version } = button.dataset;
    if (action === 'delete' && button.dataset.armed !== 'yes') {
      button.dataset.armed = 'yes';
      button.textContent = 'Confirm delete of ' + version;
      setTimeout(() => {
        button.dataset.armed = '';
        button.textContent = 'Delete';
      }, 6000);
      return;
    }
    button.disabled = true;
    const r =
      action === 'activate' ? await call('POST', mod(name) + '/activate', { version })
      : action === 'rollback' ? await call('POST', mod(name) + '/rollback')
      : await call('DELETE', mod(name) + '/versions/' + encodeURIComponent(version));
    button.disabled = false;
    if (r.ok) return reloadWith(action === 'delete' ? 'Deleted ' + version : action === 'activate' ? 'Activated ' + version : 'Rolled back');
    show(flash, describe(r.body, r.status), 'error');
  });

  // Grants: the textarea's JSON, checked here for syntax and by the API for meaning.
  for (const form of document.querySelectorAll('form.grants')) {
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const out = form.querySelector('.grants-result');
      let grants;
      try {
        grants = JSON.parse(form.elements.grants.value);
      } catch (e) {
        return show(out, 'Not JSON: ' + e.message, 'error');
      }
      const r = await call('PUT', mod(form.dataset.name) + '/versions/' + encodeURIComponent(form.dataset.version) + '/grants', grants);
      if (r.ok) return reloadWith('Saved the grants of ' + form.dataset.version);
      show(out, describe(r.body, r.status), 'error');
    });
  }

  // Upload: drop a file on the zone or choose one; the form posts multipart to the upload route.
  const form = document.getElementById('upload-form');
  if (!form) return;
  const drop = document.getElementById('drop');
  const input = document.getElementById('file');
  const picked = document.getElementById('picked');
  const result = document.getElementById('upload-result');
  let file;
  const pick = (f) => {
    file = f;
    picked.textContent = f ? f.name + ' · ' + (f.size / 1024).toFixed(1) + ' KiB' : '';
    const name = document.getElementById('upload-name');
    if (f && !name.value) name.value = f.name.replace(/\\.wasm$/i, '');
  };
  input.addEventListener('change', () => pick(input.files[0]));
  for (const type of ['dragenter', 'dragover'])
    drop.addEventListener(type, (e) => {
      e.preventDefault();
      drop.classList.add('over');
    });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    if (e.dataTransfer.files.length) pick(e.dataTransfer.files[0]);
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!file) return show(result, 'Choose or drop a .wasm file first', 'error');
    const data = new FormData();
    data.append('name', form.elements.name.value);
    data.append('version', form.elements.version.value);
    data.append('module', file, file.name);
    const res = await fetch(api('/modules'), { method: 'POST', body: data, credentials: 'same-origin' });
    const body = await res.json().catch(() => null);
    if (!res.ok) return show(result, describe(body, res.status), 'error');
    result.hidden = false;
    result.className = 'result ok';
    result.textContent = 'Stored ' + body.name + '@' + body.version + ' · exports ' + body.exports.join(', ') + ' · ';
    const link = document.createElement('a');
    link.href = base + mod(body.name);
    link.id = 'uploaded-link';
    link.textContent = 'open it';
    result.append(link);
  });
})();
`;
